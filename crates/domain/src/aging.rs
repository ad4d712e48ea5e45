//! Days past due and aging buckets.
//!
//! A scheme is a strictly increasing list of upper bounds in days; the buckets it makes
//! are contiguous and cover every day count exactly once: `current` (0 days), then
//! `1-30`, `31-60`, … and finally `181+` for the default bounds.

use jiff::civil::Date;
use std::fmt;

/// Upper bound on any configured bound: nobody ages debts in buckets past 100 years.
pub const AGING_BOUND_DAYS_MAX: u32 = 36_500;
/// At most this many bounds (buckets = bounds + 2).
pub const AGING_BOUNDS_COUNT_MAX: usize = 24;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AgingScheme {
    /// Strictly increasing, each ≥ 1.
    upper_bounds_days: Vec<u32>,
}

/// One bucket of a scheme: days past due from `min_days` to `max_days` inclusive
/// (`None` = no upper end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgingBucket {
    pub min_days: u32,
    pub max_days: Option<u32>,
}

impl AgingBucket {
    /// `current`, `1-30`, `181+`.
    pub fn label(&self) -> String {
        match (self.min_days, self.max_days) {
            (0, Some(0)) => "current".to_string(),
            (min, Some(max)) => format!("{min}-{max}"),
            (min, None) => format!("{min}+"),
        }
    }

    pub fn contains(&self, days: u32) -> bool {
        days >= self.min_days && self.max_days.is_none_or(|max| days <= max)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgingSchemeError {
    Empty,
    TooMany,
    NotANumber(String),
    NotIncreasing { previous: u32, next: u32 },
    OutOfRange(u32),
}

impl fmt::Display for AgingSchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgingSchemeError::Empty => write!(f, "at least one bound is needed, e.g. 30,60,90"),
            AgingSchemeError::TooMany => write!(f, "at most {AGING_BOUNDS_COUNT_MAX} bounds"),
            AgingSchemeError::NotANumber(text) => {
                write!(f, "{text:?} is not a whole number of days")
            }
            AgingSchemeError::NotIncreasing { previous, next } => {
                write!(f, "bounds must increase: {next} follows {previous}")
            }
            AgingSchemeError::OutOfRange(days) => {
                write!(f, "{days} is outside 1..={AGING_BOUND_DAYS_MAX}")
            }
        }
    }
}

impl AgingScheme {
    pub fn new(upper_bounds_days: Vec<u32>) -> Result<AgingScheme, AgingSchemeError> {
        if upper_bounds_days.is_empty() {
            return Err(AgingSchemeError::Empty);
        }
        if upper_bounds_days.len() > AGING_BOUNDS_COUNT_MAX {
            return Err(AgingSchemeError::TooMany);
        }
        if let Some(&bad) = upper_bounds_days
            .iter()
            .find(|&&days| days == 0 || days > AGING_BOUND_DAYS_MAX)
        {
            return Err(AgingSchemeError::OutOfRange(bad));
        }
        if let Some(pair) = upper_bounds_days.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(AgingSchemeError::NotIncreasing {
                previous: pair[0],
                next: pair[1],
            });
        }
        Ok(AgingScheme { upper_bounds_days })
    }

    /// Parses `30,60,90,120`.
    pub fn parse(text: &str) -> Result<AgingScheme, AgingSchemeError> {
        let bounds = text
            .split(',')
            .map(|part| {
                let part = part.trim();
                part.parse::<u32>()
                    .map_err(|_| AgingSchemeError::NotANumber(part.to_string()))
            })
            .collect::<Result<Vec<u32>, _>>()?;
        AgingScheme::new(bounds)
    }

    pub fn to_text(&self) -> String {
        let parts: Vec<String> = self.upper_bounds_days.iter().map(u32::to_string).collect();
        parts.join(",")
    }

    /// Every bucket, in order: current, then one per bound, then the open-ended last.
    pub fn buckets(&self) -> Vec<AgingBucket> {
        let mut buckets = vec![AgingBucket {
            min_days: 0,
            max_days: Some(0),
        }];
        let mut min_days = 1;
        for &bound in &self.upper_bounds_days {
            buckets.push(AgingBucket {
                min_days,
                max_days: Some(bound),
            });
            min_days = bound + 1;
        }
        buckets.push(AgingBucket {
            min_days,
            max_days: None,
        });
        buckets
    }

    pub fn bucket_for(&self, days_past_due: u32) -> AgingBucket {
        if days_past_due == 0 {
            return AgingBucket {
                min_days: 0,
                max_days: Some(0),
            };
        }
        let index = self
            .upper_bounds_days
            .partition_point(|&bound| bound < days_past_due);
        let min_days = if index == 0 {
            1
        } else {
            self.upper_bounds_days[index - 1] + 1
        };
        AgingBucket {
            min_days,
            max_days: self.upper_bounds_days.get(index).copied(),
        }
    }
}

impl Default for AgingScheme {
    /// current, 1–30, 31–60, 61–90, 91–120, 121–150, 151–180, 181+.
    fn default() -> AgingScheme {
        AgingScheme {
            upper_bounds_days: vec![30, 60, 90, 120, 150, 180],
        }
    }
}

/// Days past due on `as_of` of a debt delinquent since `delinquent_since`: zero when
/// nothing is owed or the delinquency starts later.
pub fn days_past_due(delinquent_since: Date, as_of: Date, owes_something: bool) -> u32 {
    if !owes_something || as_of <= delinquent_since {
        return 0;
    }
    let days = (as_of - delinquent_since).get_days();
    u32::try_from(days).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn default_labels() {
        let labels: Vec<String> = AgingScheme::default()
            .buckets()
            .iter()
            .map(AgingBucket::label)
            .collect();
        assert_eq!(
            labels,
            [
                "current", "1-30", "31-60", "61-90", "91-120", "121-150", "151-180", "181+"
            ]
        );
    }

    #[test]
    fn boundaries() {
        let scheme = AgingScheme::default();
        assert_eq!(scheme.bucket_for(0).label(), "current");
        assert_eq!(scheme.bucket_for(1).label(), "1-30");
        assert_eq!(scheme.bucket_for(30).label(), "1-30");
        assert_eq!(scheme.bucket_for(31).label(), "31-60");
        assert_eq!(scheme.bucket_for(180).label(), "151-180");
        assert_eq!(scheme.bucket_for(181).label(), "181+");
        assert_eq!(scheme.bucket_for(u32::MAX).label(), "181+");
    }

    #[test]
    fn bad_schemes_are_refused() {
        assert_eq!(
            AgingScheme::parse("30,30"),
            Err(AgingSchemeError::NotIncreasing {
                previous: 30,
                next: 30
            })
        );
        assert_eq!(
            AgingScheme::parse("0,30"),
            Err(AgingSchemeError::OutOfRange(0))
        );
        assert!(matches!(
            AgingScheme::parse("30,sixty"),
            Err(AgingSchemeError::NotANumber(_))
        ));
        assert_eq!(AgingScheme::parse("45, 90").unwrap().to_text(), "45,90");
    }

    #[test]
    fn days_past_due_counts_calendar_days() {
        assert_eq!(days_past_due(date(2024, 2, 28), date(2024, 3, 1), true), 2);
        assert_eq!(days_past_due(date(2026, 3, 1), date(2026, 3, 1), true), 0);
        assert_eq!(days_past_due(date(2026, 3, 1), date(2026, 2, 1), true), 0);
        assert_eq!(days_past_due(date(2026, 1, 1), date(2026, 3, 1), false), 0);
    }
}
