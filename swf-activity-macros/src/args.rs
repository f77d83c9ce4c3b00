//! Parsing the arguments of `#[activity(...)]` into [`Args`]: `key = value` pairs, each key at
//! most once. Values keep their tokens so later errors point at what the user wrote.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use crate::ctxt::Errors;

/// A key of `#[activity(...)]`: its name as written and how its value is checked and stored.
struct Key {
    name: &'static str,
    /// Stores the value in its field of [`Args`], or reports why it cannot; gets the key's name
    /// for its messages.
    set: fn(&mut Args, &'static str, &Expr, &mut Errors),
}

/// Every key, in the order the documentation lists them. A new key is one entry here and its
/// field in [`Args`].
const KEYS: &[Key] = &[
    Key {
        name: "name",
        set: |args, key, value, errors| args.name = string(key, "\"resize_image\"", value, errors),
    },
    Key {
        name: "version",
        set: |args, key, value, errors| args.version = string(key, "\"1\"", value, errors),
    },
    Key {
        name: "task_list",
        set: |args, key, value, errors| args.task_list = task_list(key, value, errors),
    },
    Key {
        name: "description",
        set: |args, key, value, errors| {
            args.description = string(key, "\"Resizes one image.\"", value, errors)
        },
    },
    Key {
        name: "heartbeat_timeout",
        set: |args, key, value, errors| {
            args.heartbeat_timeout = string(key, "\"30s\"", value, errors)
        },
    },
    Key {
        name: "start_to_close_timeout",
        set: |args, key, value, errors| {
            args.start_to_close_timeout = string(key, "\"10m\"", value, errors)
        },
    },
    Key {
        name: "schedule_to_start_timeout",
        set: |args, key, value, errors| {
            args.schedule_to_start_timeout = string(key, "\"1h\"", value, errors)
        },
    },
    Key {
        name: "schedule_to_close_timeout",
        set: |args, key, value, errors| {
            args.schedule_to_close_timeout = string(key, "\"2h\"", value, errors)
        },
    },
    Key {
        name: "task_priority",
        set: |args, _, value, errors| args.task_priority = priority(value, errors),
    },
    Key {
        name: "heartbeat",
        set: |args, key, value, errors| args.heartbeat = heartbeat_mode(key, value, errors),
    },
    Key {
        name: "crate",
        set: |args, key, value, errors| args.krate = crate_path(key, value, errors),
    },
    Key {
        name: "blocking",
        // Written alone (see `FLAGS`); a value is a mistake, but the intent is clear.
        set: |args, _, value, errors| {
            args.blocking = true;
            errors.spanned(
                value,
                "`blocking` takes no value: write `#[activity(blocking, version = \"1\")]` on a \
                 plain `fn` to run it on the worker's blocking pool, or leave it out for an \
                 `async fn`",
            );
        },
    },
];

/// A key written alone, without `= value`, and what it sets.
struct Flag {
    name: &'static str,
    set: fn(&mut Args),
}

/// Every key written alone; each is also in [`KEYS`], where a value given to it is refused.
const FLAGS: &[Flag] = &[Flag {
    name: "blocking",
    set: |args| args.blocking = true,
}];

/// The names of every valid key, for messages.
fn key_names() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|key| key.name)
}

/// The heartbeat mode named by `heartbeat = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Heartbeat {
    #[default]
    Auto,
    Manual,
}

/// The value of `task_list`: a list's name, or `none` for no default task list.
pub(crate) enum TaskListArg {
    Named(LitStr),
    NoDefault,
}

/// The arguments as written, each value already of the right kind (string, integer, path).
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    pub(crate) task_list: Option<TaskListArg>,
    pub(crate) description: Option<LitStr>,
    pub(crate) heartbeat_timeout: Option<LitStr>,
    pub(crate) start_to_close_timeout: Option<LitStr>,
    pub(crate) schedule_to_start_timeout: Option<LitStr>,
    pub(crate) schedule_to_close_timeout: Option<LitStr>,
    pub(crate) task_priority: Option<i32>,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) krate: Option<syn::Path>,
    /// `blocking`: the function is a plain `fn` that runs on the worker's blocking pool.
    pub(crate) blocking: bool,
    /// `version` was written, possibly misspelled or with an invalid value: a missing `version`
    /// would only repeat that error.
    pub(crate) version_attempted: bool,
    /// The arguments did not parse to the end: keys after the syntax error are unknown, so a
    /// missing `version` must not be reported.
    pub(crate) incomplete: bool,
}

/// Parses `tokens`, recording every problem in `errors` and keeping every valid entry.
pub(crate) fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut seen: Vec<&'static str> = Vec::new();
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let key = parse_key(input, errors)?;
            args.version_attempted |= match key {
                Ok((key, _)) => key.name == "version",
                Err(suggestion) => suggestion == Some("version"),
            };
            if let Ok((key, key_span)) = key
                && !input.peek(Token![=])
                && let Some(flag) = FLAGS.iter().find(|flag| flag.name == key.name)
            {
                if seen.contains(&key.name) {
                    errors.at(
                        key_span,
                        format!("duplicate key `{}`: it is already set earlier in this #[activity]; keep one", key.name),
                    );
                }
                seen.push(key.name);
                (flag.set)(&mut args);
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
                continue;
            }
            input.parse::<Token![=]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected `=` after the key, as in `version = \"1\"`",
                )
            })?;
            let value: Expr = input.parse()?;
            if let Ok((key, key_span)) = key {
                if seen.contains(&key.name) {
                    errors.at(
                        key_span,
                        format!(
                            "duplicate key `{}`: it is already set earlier in this #[activity]; keep one",
                            key.name
                        ),
                    );
                } else {
                    seen.push(key.name);
                    (key.set)(&mut args, key.name, &value, errors);
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
        args.incomplete = true;
    }
    args
}

/// A key and its span, or for an unknown key (already reported) the valid key it is closest to.
type ParsedKey = Result<(&'static Key, Span), Option<&'static str>>;

/// Parses a key. An unknown key is reported, with the closest valid one.
fn parse_key(input: ParseStream, errors: &mut Errors) -> syn::Result<ParsedKey> {
    // `parse_any` also takes keywords, for `crate`.
    let ident = Ident::parse_any(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!(
                "expected a key such as `version`; valid keys: {}",
                key_names().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let key = ident.unraw().to_string();
    if let Some(known) = KEYS.iter().find(|known| known.name == key) {
        return Ok(Ok((known, ident.span())));
    }
    errors.at(ident.span(), unknown_key_message(&key));
    Ok(Err(closest_key(&key)))
}

/// "unknown key", the closest valid key when one is close, and the list of valid keys.
pub(crate) fn unknown_key_message(key: &str) -> String {
    let suggestion = closest_key(key)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    format!(
        "unknown key `{key}` in #[activity]{suggestion}\nvalid keys: {}",
        key_names().collect::<Vec<_>>().join(", ")
    )
}

/// The valid key closest to `key` by edit distance, if it is close enough to be a typo.
pub(crate) fn closest_key(key: &str) -> Option<&'static str> {
    let lower = key.to_lowercase();
    key_names()
        .map(|k| (edit_distance(&lower, k), k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// `heartbeat`: `"auto"` or `"manual"`.
fn heartbeat_mode(key: &str, value: &Expr, errors: &mut Errors) -> Option<Heartbeat> {
    let lit = string(key, "\"auto\"", value, errors)?;
    match lit.value().as_str() {
        "auto" => Some(Heartbeat::Auto),
        "manual" => Some(Heartbeat::Manual),
        other => {
            errors.spanned(
                &lit,
                format!("unknown heartbeat mode {other:?}: expected \"auto\" or \"manual\""),
            );
            None
        }
    }
}

/// `task_list`: a string literal, or the bare word `none`.
fn task_list(key: &str, value: &Expr, errors: &mut Errors) -> Option<TaskListArg> {
    if let Expr::Path(path) = value
        && path.attrs.is_empty()
        && path.qself.is_none()
        && let Some(ident) = path.path.get_ident()
    {
        if ident == "none" {
            return Some(TaskListArg::NoDefault);
        }
        errors.spanned(
            value,
            format!(
                "`{key}` takes a string literal, e.g. `{key} = \"images\"`, or `{key} = none` \
                 (lowercase, unquoted) to register no default task list"
            ),
        );
        return None;
    }
    string(key, "\"images\"` or `task_list = none", value, errors).map(TaskListArg::Named)
}

/// `crate`: the path of the runtime crate, as a string.
fn crate_path(key: &str, value: &Expr, errors: &mut Errors) -> Option<syn::Path> {
    let lit = string(key, "\"::swf_activity\"", value, errors)?;
    match lit.parse::<syn::Path>() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.spanned(
                &lit,
                "expected the path of the swf-activity crate, e.g. `crate = \"::swf_activity\"`",
            );
            None
        }
    }
}

/// The value as a string literal, or an error showing the expected form.
fn string(key: &str, example: &str, value: &Expr, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit),
            attrs,
        }) if attrs.is_empty() => Some(lit.clone()),
        _ => {
            errors.spanned(
                value,
                format!("`{key}` takes a string literal, e.g. `{key} = {example}`"),
            );
            None
        }
    }
}

/// `task_priority`: an integer literal, possibly negative, that fits in an `i32`.
fn priority(value: &Expr, errors: &mut Errors) -> Option<i32> {
    let int = |expr: &Expr| match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit),
            attrs,
        }) if attrs.is_empty() => Some(lit.clone()),
        _ => None,
    };
    let (negative, lit) = match value {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            attrs,
        }) if attrs.is_empty() => (true, int(expr)),
        other => (false, int(other)),
    };
    let Some(lit) = lit else {
        errors.spanned(
            value,
            "`task_priority` takes an integer literal, e.g. `task_priority = 10` or `task_priority = -5`",
        );
        return None;
    };
    let parsed = lit
        .base10_parse::<i64>()
        .ok()
        .map(|n| if negative { -n } else { n })
        .and_then(|n| i32::try_from(n).ok());
    match parsed {
        Some(n) => Some(n),
        None => {
            errors.spanned(
                value,
                format!(
                    "`task_priority` must fit in an i32 ({} to {})",
                    i32::MIN,
                    i32::MAX
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse(tokens: TokenStream) -> (Args, String) {
        let mut errors = Errors::default();
        let args = parse_args(tokens, &mut errors);
        (args, errors.into_compile_errors().to_string())
    }

    #[test]
    fn blocking_is_a_flag_anywhere_in_the_list() {
        for tokens in [
            quote!(blocking, version = "1"),
            quote!(version = "1", blocking),
            quote!(version = "1", blocking,),
        ] {
            let (args, errors) = parse(tokens);
            assert_eq!(errors, "");
            assert!(args.blocking);
            assert_eq!(args.version.unwrap().value(), "1");
        }
        let (args, errors) = parse(quote!(version = "1"));
        assert_eq!(errors, "");
        assert!(!args.blocking);
        let (_, errors) = parse(quote!(blocking = true, version = "1"));
        assert!(errors.contains("`blocking` takes no value"), "{errors}");
        let (_, errors) = parse(quote!(blocking, blocking, version = "1"));
        assert!(errors.contains("duplicate key `blocking`"), "{errors}");
    }

    #[test]
    fn parses_every_key() {
        let (args, errors) = parse(quote! {
            name = "Resize", version = "2", task_list = "images", description = "d",
            heartbeat_timeout = "30s", start_to_close_timeout = "10m",
            schedule_to_start_timeout = "1h", schedule_to_close_timeout = "none",
            task_priority = -5, heartbeat = "manual", crate = "::my_swf",
        });
        assert_eq!(errors, "");
        assert_eq!(args.name.unwrap().value(), "Resize");
        assert_eq!(args.version.unwrap().value(), "2");
        assert!(matches!(args.task_list, Some(TaskListArg::Named(lit)) if lit.value() == "images"));
        assert_eq!(args.description.unwrap().value(), "d");
        assert_eq!(args.heartbeat_timeout.unwrap().value(), "30s");
        assert_eq!(args.start_to_close_timeout.unwrap().value(), "10m");
        assert_eq!(args.schedule_to_start_timeout.unwrap().value(), "1h");
        assert_eq!(args.schedule_to_close_timeout.unwrap().value(), "none");
        assert_eq!(args.task_priority.unwrap(), -5);
        assert_eq!(args.heartbeat.unwrap(), Heartbeat::Manual);
        let krate = args.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), ":: my_swf");
        assert!(!args.incomplete);
    }

    #[test]
    fn empty_arguments_are_fine() {
        let (args, errors) = parse(quote! {});
        assert_eq!(errors, "");
        assert!(args.version.is_none() && !args.incomplete);
    }

    #[test]
    fn reports_every_problem_and_keeps_the_rest() {
        let (args, errors) = parse(quote! {
            versoin = "1", version = "1", version = "2", task_priority = 3000000000,
            heartbeat = "sometimes", name = resize, crate = "not a path",
        });
        assert_eq!(args.version.unwrap().value(), "1");
        for expected in [
            "unknown key `versoin` in #[activity]; did you mean `version`?",
            "duplicate key `version`",
            "must fit in an i32",
            "unknown heartbeat mode",
            "`name` takes a string literal",
            "expected the path of the swf-activity crate",
        ] {
            assert!(
                errors.contains(expected),
                "missing {expected:?} in {errors}"
            );
        }
    }

    #[test]
    fn syntax_errors_mark_the_arguments_incomplete() {
        let (args, errors) = parse(quote! { version "1" });
        assert!(args.incomplete);
        assert!(errors.contains("expected `=`"), "{errors}");
        let (args, _) = parse(quote! { version = "1" task_list = "x" });
        assert!(args.incomplete);
        assert_eq!(args.version.unwrap().value(), "1");
    }

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(closest_key("versoin"), Some("version"));
        assert_eq!(closest_key("heartbeat_timout"), Some("heartbeat_timeout"));
        assert_eq!(closest_key("Name"), Some("name"));
        assert_eq!(closest_key("timeout"), None);
        assert_eq!(closest_key("x"), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
