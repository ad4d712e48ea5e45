//! Column mappings: how a creditor's own CSV headers map onto the standard layout.
//!
//! ```toml
//! # creditor-abc.toml
//! [columns]            # standard field = header in the creditor's file
//! account_ref = "Acct No"
//! balance = "Current Balance"
//! [constants]          # fields the file does not carry, same on every row
//! creditor = "ABC"
//! currency = "USD"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Every field of the standard placement layout (the spec's column names).
pub const PLACEMENT_FIELDS: &[&str] = &[
    "creditor",
    "account_ref",
    "debtor_ref",
    "first_name",
    "last_name",
    "balance",
    "currency",
    "delinquent_since",
    "product",
    "original_creditor",
    "itemization_date",
    "balance_at_itemization",
    "interest_since",
    "fees_since",
    "payments_since",
    "credits_since",
    "principal",
    "interest",
    "fees",
    "apr_bps",
    "charge_off_date",
    "last_payment_date",
    "last_payment_amount",
    "statute_expires_on",
    "collateral",
    "service_id",
    "date_of_birth",
    "ssn_last4",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone_home",
    "phone_mobile",
    "phone_work",
    "email",
    "language",
    "time_zone",
];

/// Fields every placement row must have.
pub const PLACEMENT_REQUIRED: &[&str] = &[
    "creditor",
    "account_ref",
    "debtor_ref",
    "first_name",
    "last_name",
    "balance",
    "currency",
    "delinquent_since",
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// field → header in the file.
    columns: BTreeMap<String, String>,
    /// field → value used on every row.
    constants: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    constants: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Mapping {
    /// The standard layout: every field is read from the column of the same name.
    pub fn standard() -> Mapping {
        Mapping::default()
    }

    pub fn from_toml_file(path: &Path) -> Result<Mapping, MappingError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
            path: display.clone(),
            source,
        })?;
        Mapping::from_toml(&text).map_err(|message| MappingError::Invalid {
            path: display,
            message,
        })
    }

    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        let file: MappingFile = toml::from_str(text).map_err(|error| error.to_string())?;
        for (section, fields) in [("columns", &file.columns), ("constants", &file.constants)] {
            if let Some(unknown) = fields
                .keys()
                .find(|field| !PLACEMENT_FIELDS.contains(&field.as_str()))
            {
                return Err(format!(
                    "[{section}] {unknown}: not a placement field (known: {})",
                    PLACEMENT_FIELDS.join(", ")
                ));
            }
        }
        if let Some(both) = file
            .columns
            .keys()
            .find(|field| file.constants.contains_key(*field))
        {
            return Err(format!("{both}: given both as a column and as a constant"));
        }
        Ok(Mapping {
            columns: file.columns,
            constants: file.constants,
        })
    }

    /// The header this mapping reads `field` from.
    pub fn header_for<'a>(&'a self, field: &'a str) -> &'a str {
        self.columns.get(field).map(String::as_str).unwrap_or(field)
    }

    pub fn constant(&self, field: &str) -> Option<&str> {
        self.constants.get(field).map(String::as_str)
    }
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (field, header) in &self.columns {
            writeln!(f, "{field} <- column {header:?}")?;
        }
        for (field, value) in &self.constants {
            writeln!(f, "{field} = {value:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_field_names() {
        let mapping = Mapping::from_toml(
            "[columns]\naccount_ref = \"Acct No\"\n[constants]\ncurrency = \"USD\"\n",
        )
        .unwrap();
        assert_eq!(mapping.header_for("account_ref"), "Acct No");
        assert_eq!(mapping.header_for("balance"), "balance");
        assert_eq!(mapping.constant("currency"), Some("USD"));
        let error = Mapping::from_toml("[columns]\nacount_ref = \"A\"\n").unwrap_err();
        assert!(
            error.contains("acount_ref: not a placement field"),
            "{error}"
        );
        assert!(Mapping::from_toml("[colums]\n").is_err());
    }
}
