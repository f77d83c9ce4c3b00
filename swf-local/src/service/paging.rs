//! `nextPageToken` / `maximumPageSize` / `reverseOrder` pagination.

use crate::error::SwfError;

/// The largest and default page size.
pub(crate) const PAGE_MAX: usize = 1000;

const PREFIX: &str = "swfl-page-";

/// One page of `items` (already in ascending order), and the token of the next page.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    token: Option<&str>,
    maximum_page_size: Option<i64>,
    reverse: bool,
) -> Result<(Vec<T>, Option<String>), SwfError> {
    let size = match maximum_page_size {
        None | Some(0) => PAGE_MAX,
        Some(n) if (1..=PAGE_MAX as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(SwfError::validation(format!(
                "maximumPageSize must be between 0 and {PAGE_MAX}, got {n}"
            )));
        }
    };
    let offset = match token {
        None => 0,
        Some(t) => t
            .strip_prefix(PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                SwfError::validation(
                    "Invalid nextPageToken: pass back the token the previous page answered",
                )
            })?,
    };
    if reverse {
        items.reverse();
    }
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(size).collect();
    let next = (offset + size < total).then(|| format!("{PREFIX}{}", offset + size));
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_forward_and_backward() {
        let items: Vec<u32> = (1..=5).collect();
        let (p, next) = page(items.clone(), None, Some(2), false).unwrap_or_default();
        assert_eq!(p, vec![1, 2]);
        let (p, next) = page(items.clone(), next.as_deref(), Some(2), false).unwrap_or_default();
        assert_eq!(p, vec![3, 4]);
        let (p, next) = page(items.clone(), next.as_deref(), Some(2), false).unwrap_or_default();
        assert_eq!((p, next), (vec![5], None));
        let (p, _) = page(items, None, Some(2), true).unwrap_or_default();
        assert_eq!(p, vec![5, 4]);
        assert!(page(vec![1], Some("bogus"), None, false).is_err());
    }
}
