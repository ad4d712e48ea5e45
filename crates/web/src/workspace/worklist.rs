//! The work list: the agent's accounts by filter and order, counted and totalled,
//! paged, with the "today" panel. Filters are GET parameters, so a list is a bookmark
//! and the form works without JavaScript.

use super::search::{form_urlencoded, grouped, money, page_number};
use super::*;
use app::model::workspace::{
    NotWorked, TodayItem, WORKLIST_COUNT_MAX, WORKLIST_PAGE_ROWS, Worklist, WorklistFilter,
    WorklistSort,
};
use domain::account::Status;
use domain::money::Currency;

/// The "not worked for" choices offered (any number of days up to this works in a URL).
const NOT_WORKED_DAYS: &[u32] = &[7, 14, 30, 60, 90];
const NOT_WORKED_DAYS_MAX: u32 = 3_650;

/// The work list's GET parameters, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WorklistQuery {
    #[serde(default)]
    creditor: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    bucket: String,
    #[serde(default)]
    balance_min: String,
    #[serde(default)]
    balance_max: String,
    #[serde(default)]
    worked: String,
    #[serde(default)]
    due_today: Option<String>,
    #[serde(default)]
    broken: Option<String>,
    #[serde(default)]
    callbacks: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<String>,
}

/// A choice of a select: value, label, chosen.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

pub(crate) struct ListRow {
    pub(crate) href: String,
    pub(crate) account_ref: String,
    pub(crate) creditor: String,
    pub(crate) debtor: String,
    pub(crate) balance: String,
    pub(crate) days_past_due: String,
    pub(crate) bucket: String,
    pub(crate) last_worked: String,
    pub(crate) status: String,
}

pub(crate) struct TodayRow {
    pub(crate) href: String,
    pub(crate) debtor: String,
    pub(crate) account_ref: String,
    /// The time (callbacks) or the amount (promises).
    pub(crate) detail: String,
}

#[derive(Template)]
#[template(path = "worklist.html")]
pub(crate) struct WorklistPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) creditors: Vec<Choice>,
    pub(crate) statuses: Vec<Choice>,
    pub(crate) buckets: Vec<Choice>,
    pub(crate) worked: Vec<Choice>,
    pub(crate) sorts: Vec<Choice>,
    pub(crate) balance_min: String,
    pub(crate) balance_max: String,
    pub(crate) balance_min_error: String,
    pub(crate) balance_max_error: String,
    pub(crate) due_today: bool,
    pub(crate) broken: bool,
    pub(crate) callbacks: bool,
    pub(crate) rows: Vec<ListRow>,
    /// "42 accounts".
    pub(crate) count: String,
    /// "$12,345.67" per currency, or why not shown.
    pub(crate) totals: String,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
    pub(crate) page_label: String,
    pub(crate) today_promises: Vec<TodayRow>,
    pub(crate) today_callbacks: Vec<TodayRow>,
    pub(crate) today_broken: Vec<TodayRow>,
}

/// What was wrong with a typed filter, by field.
#[derive(Default)]
struct FilterProblems {
    balance_min: Option<&'static str>,
    balance_max: Option<&'static str>,
}

/// The parameters as the use case's filter; a balance that cannot be read is named
/// (and left out of the filter); an unknown choice in a hand-made URL is the default.
fn parse_filter(query: &WorklistQuery) -> (WorklistFilter, FilterProblems) {
    let mut problems = FilterProblems::default();
    let amount = |text: &str, problem: &mut Option<&'static str>| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match Currency::USD.parse_typed(text) {
            Ok(amount) if !amount.is_negative() => Some(amount),
            Ok(_) => {
                *problem = Some("worklist.error.negative");
                None
            }
            Err(_) => {
                *problem = Some("worklist.error.amount");
                None
            }
        }
    };
    let balance_min = amount(&query.balance_min, &mut problems.balance_min);
    let balance_max = amount(&query.balance_max, &mut problems.balance_max);
    if let (Some(min), Some(max)) = (balance_min, balance_max)
        && min > max
    {
        problems.balance_max = Some("worklist.error.range");
    }
    let not_worked = match query.worked.trim() {
        "never" => Some(NotWorked::Never),
        days => days
            .parse::<u32>()
            .ok()
            .filter(|days| (1..=NOT_WORKED_DAYS_MAX).contains(days))
            .map(NotWorked::ForDays),
    };
    let sort = match query.sort.as_str() {
        "days" => WorklistSort::DaysPastDue,
        "worked" => WorklistSort::LastWorked,
        "name" => WorklistSort::Name,
        _ => WorklistSort::Balance,
    };
    let ranged = problems.balance_max != Some("worklist.error.range");
    let filter = WorklistFilter {
        creditor: Some(query.creditor.trim().to_string()).filter(|code| !code.is_empty()),
        status: Status::parse(query.status.trim()).unwrap_or(Status::Active),
        bucket: Some(query.bucket.trim().to_string()).filter(|bucket| !bucket.is_empty()),
        balance_min: balance_min.filter(|_| ranged),
        balance_max: balance_max.filter(|_| ranged),
        not_worked,
        promises_due_today: query.due_today.is_some(),
        broken_promises: query.broken.is_some(),
        callbacks: query.callbacks.is_some(),
        sort,
        page: page_number(query.page.as_deref()),
    };
    (filter, problems)
}

/// The bucket as people read it: "Current", "1–30 days", "181+ days".
fn bucket_label(t: &Words, label: &str) -> String {
    if label == "current" {
        return t.get("worklist.bucket.current").to_string();
    }
    format!("{} {}", label.replace('-', "–"), t.get("worklist.days"))
}

/// This list's URL on another page.
fn page_href(query: &WorklistQuery, page: u32) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (name, value) in [
        ("creditor", &query.creditor),
        ("status", &query.status),
        ("bucket", &query.bucket),
        ("balance_min", &query.balance_min),
        ("balance_max", &query.balance_max),
        ("worked", &query.worked),
        ("sort", &query.sort),
    ] {
        if !value.is_empty() {
            parts.push(format!("{name}={}", form_urlencoded(value)));
        }
    }
    for (name, on) in [
        ("due_today", query.due_today.is_some()),
        ("broken", query.broken.is_some()),
        ("callbacks", query.callbacks.is_some()),
    ] {
        if on {
            parts.push(format!("{name}=1"));
        }
    }
    parts.push(format!("page={page}"));
    format!("/worklist?{}", parts.join("&"))
}

fn today_rows(items: &[TodayItem], detail: impl Fn(&TodayItem) -> String) -> Vec<TodayRow> {
    items
        .iter()
        .map(|item| TodayRow {
            href: account_href(&item.creditor, &item.account_ref),
            debtor: item.debtor_name.clone(),
            account_ref: item.account_ref.clone(),
            detail: detail(item),
        })
        .collect()
}

/// The filter form's choices, the chosen ones marked.
struct Choices {
    creditors: Vec<Choice>,
    statuses: Vec<Choice>,
    buckets: Vec<Choice>,
    worked: Vec<Choice>,
    sorts: Vec<Choice>,
}

fn choices(t: &Words, query: &WorklistQuery, filter: &WorklistFilter, list: &Worklist) -> Choices {
    let choose = |value: &str, label: String, chosen: &str| Choice {
        value: value.to_string(),
        label,
        selected: value == chosen,
    };
    let mut creditors = vec![choose(
        "",
        t.get("worklist.any").to_string(),
        &query.creditor,
    )];
    creditors.extend(
        list.creditors
            .iter()
            .map(|code| choose(code, code.clone(), query.creditor.trim())),
    );
    let statuses = Status::ALL
        .iter()
        .map(|status| {
            choose(
                status.code(),
                t.label("worklist.status", status.code()),
                filter.status.code(),
            )
        })
        .collect();
    let mut buckets = vec![choose("", t.get("worklist.any").to_string(), &query.bucket)];
    buckets.extend(
        list.buckets
            .iter()
            .map(|label| choose(label, bucket_label(t, label), query.bucket.trim())),
    );
    let worked_now = match filter.not_worked {
        None => String::new(),
        Some(NotWorked::Never) => "never".into(),
        Some(NotWorked::ForDays(days)) => days.to_string(),
    };
    let mut worked = vec![
        choose("", t.get("worklist.any").to_string(), &worked_now),
        choose("never", t.get("worklist.never").to_string(), &worked_now),
    ];
    let mut offered: Vec<u32> = NOT_WORKED_DAYS.to_vec();
    if let Some(NotWorked::ForDays(days)) = filter.not_worked
        && !offered.contains(&days)
    {
        offered.push(days);
        offered.sort();
    }
    worked.extend(offered.iter().map(|days| {
        choose(
            &days.to_string(),
            t.get("worklist.worked.days")
                .replace("{days}", &days.to_string()),
            &worked_now,
        )
    }));
    let sort_now = match filter.sort {
        WorklistSort::Balance => "balance",
        WorklistSort::DaysPastDue => "days",
        WorklistSort::LastWorked => "worked",
        WorklistSort::Name => "name",
    };
    let sorts = ["balance", "days", "worked", "name"]
        .iter()
        .map(|sort| {
            choose(
                sort,
                t.get(&format!("worklist.sort.{sort}")).to_string(),
                sort_now,
            )
        })
        .collect();
    Choices {
        creditors,
        statuses,
        buckets,
        worked,
        sorts,
    }
}

pub async fn worklist(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<WorklistQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = words(user);
    let (filter, problems) = parse_filter(&query);
    let app::worklist::WorklistPage { list, today } = state.app.worklist(user, &filter).await?;
    let zone = &state.business_zone;
    // In the agency's business zone: users have no zone of their own yet.
    let time = |instant: Timestamp| local(instant, zone);
    let rows = list
        .rows
        .iter()
        .map(|row| ListRow {
            href: account_href(&row.creditor, &row.account_ref),
            account_ref: row.account_ref.clone(),
            creditor: row.creditor.clone(),
            debtor: row.debtor_name.clone(),
            balance: money(&row.currency, row.balance_minor),
            days_past_due: grouped(i64::from(row.days_past_due)),
            bucket: bucket_label(&t, &row.bucket),
            last_worked: row
                .last_worked
                .map_or_else(|| t.get("worklist.never").to_string(), time),
            status: t.label("worklist.status", &row.status),
        })
        .collect();
    let count = if list.more {
        t.get("worklist.count.more")
            .replace("{count}", &grouped(WORKLIST_COUNT_MAX))
    } else if list.count == 1 {
        t.get("worklist.count.one").to_string()
    } else {
        t.get("worklist.count")
            .replace("{count}", &grouped(list.count))
    };
    let totals = if list.more {
        t.get("worklist.totals.narrow").to_string()
    } else if list.totals.is_empty() {
        money("USD", 0)
    } else {
        let parts: Vec<String> = list
            .totals
            .iter()
            .map(|total| money(&total.currency, total.balance_minor))
            .collect();
        parts.join(" + ")
    };
    let pages = (list.count + WORKLIST_PAGE_ROWS - 1) / WORKLIST_PAGE_ROWS;
    let page = i64::from(filter.page).min(pages.max(1));
    let choices = choices(&t, &query, &filter, &list);
    let page_number = u32::try_from(page).unwrap_or(1);
    let view = WorklistPage {
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        creditors: choices.creditors,
        statuses: choices.statuses,
        buckets: choices.buckets,
        worked: choices.worked,
        sorts: choices.sorts,
        balance_min: query.balance_min.clone(),
        balance_max: query.balance_max.clone(),
        balance_min_error: problems
            .balance_min
            .map(|key| t.get(key))
            .unwrap_or("")
            .to_string(),
        balance_max_error: problems
            .balance_max
            .map(|key| t.get(key))
            .unwrap_or("")
            .to_string(),
        due_today: filter.promises_due_today,
        broken: filter.broken_promises,
        callbacks: filter.callbacks,
        rows,
        count,
        totals,
        previous: (page > 1).then(|| page_href(&query, page_number - 1)),
        next: (page < pages).then(|| page_href(&query, page_number + 1)),
        page_label: t
            .get("worklist.page")
            .replace("{page}", &page.to_string())
            .replace("{pages}", &pages.max(1).to_string()),
        today_promises: today_rows(&today.promises_due, |item| {
            money(&item.currency, item.amount_minor.unwrap_or(0))
        }),
        today_callbacks: today_rows(&today.callbacks, |item| {
            item.at.map(time).unwrap_or_default()
        }),
        today_broken: today_rows(&today.broken_promises, |item| {
            money(&item.currency, item.amount_minor.unwrap_or(0))
        }),
        t,
    };
    Ok(html(&view)?.into_response())
}
