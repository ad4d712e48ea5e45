//! Search: names in any case and without accents, references in any case, phones in
//! any format, each hit with why it matched, counted and paged.

use super::*;
use app::model::workspace::{SEARCH_MATCHES_MAX, SEARCH_RESULTS_MAX};

pub(crate) struct FoundRow {
    pub(crate) href: String,
    pub(crate) account_ref: String,
    pub(crate) creditor: String,
    pub(crate) debtor: String,
    pub(crate) matched_on: String,
    pub(crate) balance: String,
    pub(crate) status: String,
    pub(crate) state: String,
    pub(crate) phone: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) results: Vec<FoundRow>,
    /// "3 accounts found", "More than 1,000 accounts: showing the first 1,000".
    pub(crate) summary: String,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
    pub(crate) page_label: String,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) page: Option<String>,
}

/// `?page=` as a page number from 1; anything else is the first page.
pub(crate) fn page_number(text: Option<&str>) -> u32 {
    text.and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|page| *page >= 1)
        .unwrap_or(1)
}

/// A count with thousands grouped (`1,000`).
pub(crate) fn grouped(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if count < 0 { format!("-{out}") } else { out }
}

/// An amount of a stored currency code, for people.
pub(crate) fn money(currency: &str, minor: i64) -> String {
    match domain::money::Currency::parse(currency) {
        Some(currency) => currency.display(Amount::from_minor(minor)),
        None => format!("{minor} {currency}"),
    }
}

/// A stored E.164 phone as people read it.
pub(crate) fn phone(value: Option<&str>) -> String {
    value
        .map(|value| {
            domain::party::PhoneNumber::parse(value)
                .map_or_else(|| value.to_string(), |phone| phone.display())
        })
        .unwrap_or_default()
}

pub async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = words(user);
    let page = page_number(query.page.as_deref());
    let searched = state.app.search(user, &query.q, page).await?;
    let results = searched
        .found
        .into_iter()
        .map(|found| FoundRow {
            href: account_href(&found.creditor, &found.account_ref),
            matched_on: t
                .get(&format!("worklist.matched.{}", found.matched_on.code()))
                .to_string(),
            balance: money(&found.currency, found.balance_minor),
            status: t.label("worklist.status", &found.status),
            state: found.state.unwrap_or_default(),
            phone: phone(found.phone.as_deref()),
            account_ref: found.account_ref,
            creditor: found.creditor,
            debtor: found.debtor_name,
        })
        .collect();
    let summary = if searched.more {
        t.get("worklist.search.more")
            .replace("{count}", &grouped(SEARCH_MATCHES_MAX))
    } else if searched.total == 1 {
        t.get("worklist.search.one").to_string()
    } else {
        t.get("worklist.search.count")
            .replace("{count}", &grouped(searched.total))
    };
    let pages = (searched.total + SEARCH_RESULTS_MAX - 1) / SEARCH_RESULTS_MAX;
    let href = |page: u32| format!("/search?q={}&page={page}", form_urlencoded(&query.q));
    let page_label = t
        .get("worklist.page")
        .replace("{page}", &page.to_string())
        .replace("{pages}", &pages.max(1).to_string());
    let view = SearchPage {
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        results,
        summary,
        previous: (page > 1).then(|| href(page - 1)),
        next: (i64::from(page) < pages).then(|| href(page + 1)),
        page_label,
        query: query.q,
        t,
    };
    Ok(html(&view)?.into_response())
}

/// Text as a query-string value (`application/x-www-form-urlencoded`).
pub(crate) fn form_urlencoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
