//! The dialer's reads by chunk of debtors (issue 16): the chunks tile the debtors by id,
//! and a chunk's facts are exactly its debtors', in debtor, account and phone order.

use crate::support::*;
use sqlx::Row;

#[tokio::test]
async fn debtor_chunks_tile_the_debtors_by_id_and_a_chunk_reads_only_its_own() {
    let (file, summary) = generated_file(120, 16);
    for db in engines().await {
        let store = db.open().await;
        import(&store, file.path(), &summary).await;
        let ids: Vec<i64> = sqlx::query("SELECT id FROM debtors ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        let chunks = store.debtor_chunks(7).await.unwrap();
        // Seven debtors each, in order; the last takes what is left.
        let expected: Vec<(i64, i64)> = ids
            .chunks(7)
            .map(|chunk| (chunk[0], *chunk.last().unwrap()))
            .collect();
        assert_eq!(chunks, expected, "{}", db.url);
        assert_eq!(
            store.debtor_chunks(1_000_000).await.unwrap(),
            [(ids[0], *ids.last().unwrap())]
        );

        let since: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let now: jiff::Timestamp = NOW.parse().unwrap();
        let everything = store
            .dialer_chunk((i64::MIN, i64::MAX), since, now)
            .await
            .unwrap();
        assert!(!everything.candidates.is_empty());
        let mut pieced = Vec::new();
        for (first, last) in &chunks {
            let chunk = store
                .dialer_chunk((*first, *last), since, now)
                .await
                .unwrap();
            assert!(
                chunk
                    .candidates
                    .iter()
                    .all(|candidate| (*first..=*last).contains(&candidate.debtor_id))
            );
            pieced.extend(chunk.candidates);
        }
        // The chunks together are the whole, in the same order: debtor, account, phone.
        assert_eq!(pieced, everything.candidates, "{}", db.url);
        let order: Vec<(i64, i64)> = pieced
            .iter()
            .map(|candidate| (candidate.debtor_id, candidate.account_id))
            .collect();
        assert!(order.is_sorted());
    }
}
