//! Multi-row INSERTs: rows are buffered and written a few hundred at a time, which is
//! what makes a million-row import fit in minutes on either engine.

use crate::StoreError;
use crate::db::Engine;
use sqlx::AnyConnection;

/// Bind parameters per statement; below SQLite's 32,766 and PostgreSQL's 65,535.
pub const PARAMETERS_PER_STATEMENT_MAX: usize = 30_000;
/// Rows per statement, whatever the width.
pub const ROWS_PER_STATEMENT_MAX: usize = 1_000;

pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(Some(value))
    }
}
impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Value {
        Value::Int(value)
    }
}
impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(Some(value))
    }
}
impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Text(Some(value.to_string()))
    }
}
impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Value {
        Value::Text(value)
    }
}

/// A value the same on every row of a batch, written into the SQL instead of bound,
/// which saves a bind per row. Only typed values we generate: never user text.
#[derive(Clone, Copy, Debug)]
pub enum Literal {
    Int(i64),
    /// A code from a closed set (`'placement'`, `'active'`).
    Code(&'static str),
    Date(jiff::civil::Date),
}

impl Literal {
    fn sql(self) -> String {
        match self {
            Literal::Int(value) => value.to_string(),
            Literal::Code(code) => {
                assert!(
                    code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "code literal {code:?}"
                );
                format!("'{code}'")
            }
            Literal::Date(date) => format!("'{date}'"),
        }
    }
}

pub struct Batch {
    engine: Engine,
    constants: Vec<(&'static str, Literal)>,
    table: &'static str,
    columns: &'static [&'static str],
    /// Appended to the statement, e.g. ` ON CONFLICT (a, b) DO NOTHING`.
    suffix: &'static str,
    values: Vec<Value>,
    full_statement: Option<String>,
    /// Rows the database reported as written.
    pub rows_written: u64,
}

impl Batch {
    pub fn new(
        engine: Engine,
        table: &'static str,
        columns: &'static [&'static str],
        suffix: &'static str,
    ) -> Batch {
        Batch {
            engine,
            constants: Vec::new(),
            table,
            columns,
            suffix,
            values: Vec::new(),
            full_statement: None,
            rows_written: 0,
        }
    }

    /// Columns whose value is the same on every row of this batch.
    pub fn with_constants(mut self, constants: Vec<(&'static str, Literal)>) -> Batch {
        self.constants = constants;
        self.full_statement = None;
        self
    }

    fn rows_max(&self) -> usize {
        (PARAMETERS_PER_STATEMENT_MAX / self.columns.len()).min(ROWS_PER_STATEMENT_MAX)
    }

    pub fn push<const N: usize>(&mut self, row: [Value; N]) {
        assert_eq!(
            N,
            self.columns.len(),
            "row width matches the column list of {}",
            self.table
        );
        self.values.extend(row);
    }

    /// A row whose width is known only at run time (the benchmarks' floors).
    pub fn push_values(&mut self, row: Vec<Value>) {
        assert_eq!(
            row.len(),
            self.columns.len(),
            "row width matches the column list of {}",
            self.table
        );
        self.values.extend(row);
    }

    /// The buffered rows as a batch of their own (same table, columns and constants),
    /// leaving this one empty.
    pub fn take(&mut self) -> Batch {
        Batch {
            engine: self.engine,
            constants: self.constants.clone(),
            table: self.table,
            columns: self.columns,
            suffix: self.suffix,
            values: std::mem::take(&mut self.values),
            full_statement: self.full_statement.clone(),
            rows_written: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.values.len() / self.columns.len() >= self.rows_max()
    }

    fn statement(&self, rows: usize) -> String {
        let width = self.columns.len();
        let literals: Vec<String> = self
            .constants
            .iter()
            .map(|(_, literal)| literal.sql())
            .collect();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                // SQLite looks numbered parameters up by name, one linear scan per bind,
                // which is quadratic in a wide statement; anonymous `?` is positional.
                let mut placeholders: Vec<String> = match self.engine {
                    Engine::Sqlite => vec!["?".to_string(); width],
                    Engine::Postgres => (1..=width)
                        .map(|column| format!("${}", row * width + column))
                        .collect(),
                };
                placeholders.extend(literals.iter().cloned());
                format!("({})", placeholders.join(", "))
            })
            .collect();
        let mut columns = self.columns.to_vec();
        columns.extend(self.constants.iter().map(|(column, _)| *column));
        format!(
            "INSERT INTO {} ({}) VALUES {}{}",
            self.table,
            columns.join(", "),
            tuples.join(", "),
            self.suffix
        )
    }

    /// Writes every buffered row, `rows_max` rows per statement.
    pub async fn flush(&mut self, connection: &mut AnyConnection) -> Result<(), StoreError> {
        let width = self.columns.len();
        while !self.values.is_empty() {
            let rows = (self.values.len() / width).min(self.rows_max());
            let sql = if rows == self.rows_max() {
                if self.full_statement.is_none() {
                    self.full_statement = Some(self.statement(rows));
                }
                self.full_statement.clone().expect("just set")
            } else {
                self.statement(rows)
            };
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in self.values.drain(..rows * width) {
                query = match value {
                    Value::Int(value) => query.bind(value),
                    Value::Text(value) => query.bind(value),
                };
            }
            let result = query.execute(&mut *connection).await?;
            self.rows_written += result.rows_affected();
        }
        Ok(())
    }
}
