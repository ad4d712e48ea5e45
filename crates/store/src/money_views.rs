//! Read-only views of money for the workspace: payments of an account, the exceptions
//! list, promise-kept rates. (Owned by the web work; queries only, no writes.)
