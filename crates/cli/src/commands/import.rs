//! `arrears import placements` and `arrears generate placements`: a placement file read
//! once, written as it parses, refused whole with every problem named.

use super::*;

pub struct Imported {
    pub summary: placement::FileSummary,
    pub outcome: app::model::import::ImportOutcome,
    /// Every 97th (creditor, account_ref) of the file, for demos and spot checks.
    pub sample: Vec<(String, String)>,
}

/// Reads the file once, writing placements as they parse; a file with any problem is
/// rolled back whole and reported.
pub async fn import_placements_file(
    app: &app::App,
    actor: &app::model::Actor,
    file: &std::path::Path,
    mapping: &Mapping,
    placed_on: Date,
) -> Result<Imported> {
    let size = std::fs::metadata(file)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", file.display()))))?
        .len();
    let checked = CheckedPlacements::open(file, mapping, placed_on, PROBLEMS_REPORTED_MAX)
        .map_err(|rejection| anyhow!(InputError(rejection.to_string())))?;
    let mut source = FileSource {
        sample: Vec::new(),
        checked: Some(checked),
        bar: progress_bar(size, "importing"),
        summary: None,
    };
    let file_name = file.display().to_string();
    let request = ImportFile {
        file_name: &file_name,
        placed_on,
    };
    let outcome = app.import_placements(actor, &request, &mut source).await;
    source.bar.finish_and_clear();
    let outcome = match outcome {
        Err(app::Error::Store(app::model::StoreError::Rejected(report))) => {
            return Err(anyhow!(InputError(report)));
        }
        other => other?,
    };
    let summary = source.summary.expect("set when the store commits");
    Ok(Imported {
        summary,
        outcome,
        sample: source.sample,
    })
}

/// A placement file as the store reads it, with a progress bar.
/// One placement in this many goes into [`Imported::sample`].
pub(crate) const SAMPLE_EVERY_ROWS: u64 = 97;

pub(crate) struct FileSource {
    pub(crate) sample: Vec<(String, String)>,
    pub(crate) checked: Option<CheckedPlacements<std::fs::File>>,
    pub(crate) bar: ProgressBar,
    pub(crate) summary: Option<placement::FileSummary>,
}

impl app::model::import::PlacementSource for FileSource {
    fn next_placement(&mut self) -> Option<domain::placement::Placement> {
        let checked = self.checked.as_mut()?;
        let placement = checked.next_placement();
        if checked.rows() % 1024 == 0 {
            self.bar.set_position(checked.bytes_read());
        }
        if let Some(placement) = &placement
            && checked.rows() % SAMPLE_EVERY_ROWS == 1
        {
            self.sample.push((
                placement.creditor.to_string(),
                placement.account_ref.to_string(),
            ));
        }
        placement
    }

    fn finish(&mut self) -> std::result::Result<app::model::import::SourceSummary, String> {
        let checked = self.checked.take().expect("finish is called once");
        let summary = checked
            .finish()
            .map_err(|rejection| rejection.to_string())?;
        let result = app::model::import::SourceSummary {
            sha256: summary.sha256.clone(),
            rows: summary.rows,
        };
        self.summary = Some(summary);
        Ok(result)
    }
}

pub(crate) async fn import_placements(
    globals: &Globals,
    file: &std::path::Path,
    mapping: Option<&std::path::Path>,
    placed_on: Option<Date>,
    json: bool,
) -> Result<ExitCode> {
    let mapping = match mapping {
        Some(path) => {
            Mapping::from_toml_file(path).map_err(|error| anyhow!(InputError(error.to_string())))?
        }
        None => Mapping::standard(),
    };
    let placed_on = match placed_on {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let imported =
        import_placements_file(&app, &globals.actor(), file, &mapping, placed_on).await?;
    output::print_import(&file.display().to_string(), &imported, json);
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn generate(accounts: u64, seed: u64, as_of: Option<Date>) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let config = ingest::generate::GeneratorConfig {
        accounts,
        seed,
        as_of,
    };
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    ingest::generate::write_placements(&config, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
