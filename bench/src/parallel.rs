//! Work spread over a few threads, in order, stopping at the first error: how the harness
//! plays many phones at once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Applies `work` to every item from `threads` threads; the results come back in the items'
/// order, or the first error any thread met.
pub fn map<T, R, F>(items: &[T], threads: usize, work: F) -> anyhow::Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> anyhow::Result<R> + Sync,
{
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    match work(index, item) {
                        Ok(result) => {
                            results
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)[index] =
                                Some(result);
                        }
                        Err(error) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(error);
    }
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|result| result.ok_or_else(|| anyhow::anyhow!("a worker thread died")))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..100).collect();
        let doubled = super::map(&items, 3, |_, item| Ok(item * 2)).expect("no error");
        assert_eq!(
            doubled,
            items.iter().map(|item| item * 2).collect::<Vec<_>>()
        );
        let failed = super::map(&items, 3, |index, _| {
            if index == 42 {
                anyhow::bail!("item 42 refused")
            }
            Ok(())
        });
        assert_eq!(failed.expect_err("fails").to_string(), "item 42 refused");
    }
}
