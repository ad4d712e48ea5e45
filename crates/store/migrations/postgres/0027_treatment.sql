-- The treatment dispatcher (issue 16) reads the pending steps in id order, a page at a
-- time after the last id it saw: this index gives each page by a seek, without sorting
-- every pending step (a night's steps over a million accounts).
CREATE INDEX strategy_actions_pending ON strategy_actions (status, id);
