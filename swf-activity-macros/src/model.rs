//! The validated model of one activity: its registration data, checked against SWF's rules.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, ItemFn, Lit, LitStr, Meta, MetaNameValue};

use crate::args::{Args, Heartbeat, TaskListArg};
use crate::ctxt::Errors;
use crate::duration::{Timeout, format_seconds, parse_duration};
use crate::names::{NameKind, description_from_doc_lines, validate_description, validate_name};

/// Everything `DEFINITION` holds, plus the path to the runtime.
pub(crate) struct Definition {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: Option<String>,
    pub(crate) task_list: DefaultTaskList,
    pub(crate) task_priority: Option<i32>,
    pub(crate) heartbeat_timeout: Option<Timeout>,
    pub(crate) start_to_close_timeout: Option<Timeout>,
    pub(crate) schedule_to_start_timeout: Option<Timeout>,
    pub(crate) schedule_to_close_timeout: Option<Timeout>,
    pub(crate) heartbeat: Heartbeat,
    /// The function is a plain `fn` run on the worker's blocking pool.
    pub(crate) blocking: bool,
    pub(crate) krate: syn::Path,
}

/// The default task list the type registers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DefaultTaskList {
    /// No `task_list` key: the worker's first list stands in.
    WorkerTaskList,
    Named(String),
    /// `task_list = none`.
    NoDefault,
}

/// Validates `args` for `func`, recording every broken rule in `errors`. Invalid values are
/// replaced by defaults so the rest of the expansion can go on.
pub(crate) fn build(args: Args, func: &ItemFn, errors: &mut Errors) -> Definition {
    let fn_ident = &func.sig.ident;

    let name = match &args.name {
        Some(lit) => checked_name(NameKind::Name, lit, errors),
        None => {
            let name = fn_ident.unraw().to_string();
            if let Err(message) = validate_name(NameKind::Name, &name) {
                errors.spanned(
                    fn_ident,
                    format!("{message}; set another with `name = \"...\"`"),
                );
            }
            name
        }
    };

    let version = match &args.version {
        Some(lit) => checked_name(NameKind::Version, lit, errors),
        None => {
            if !args.incomplete && !args.version_attempted {
                errors.at(
                    Span::call_site(),
                    "missing `version`: SWF activity types cannot change once registered, so each \
                     one names its version, e.g. #[activity(version = \"1\")]",
                );
            }
            String::new()
        }
    };

    let description = match &args.description {
        Some(lit) => {
            let text = lit.value();
            if let Err(message) = validate_description(&text) {
                errors.spanned(lit, message);
            }
            Some(text)
        }
        None => {
            let docs = doc_lines(&func.attrs);
            let text = description_from_doc_lines(docs.iter().map(|(_, line)| line.as_str()));
            if let (Some(text), Some((first, _))) = (&text, docs.first())
                && let Err(message) = validate_description(text)
            {
                errors.spanned(
                    first,
                    format!(
                        "{message}; the doc comment is registered as the description when \
                         there is no `description` key, so set a shorter \
                         `description = \"...\"`"
                    ),
                );
            }
            text
        }
    };

    let task_list = match &args.task_list {
        None => DefaultTaskList::WorkerTaskList,
        Some(TaskListArg::NoDefault) => DefaultTaskList::NoDefault,
        Some(TaskListArg::Named(lit)) => {
            check_not_a_sentinel(lit, errors);
            DefaultTaskList::Named(checked_name(NameKind::TaskList, lit, errors))
        }
    };

    let mut timeout = |lit: &Option<LitStr>| {
        let lit = lit.as_ref()?;
        match parse_duration(&lit.value()) {
            Ok(timeout) => Some(timeout),
            Err(error) => {
                errors.spanned(lit, error.message(&lit.value()));
                None
            }
        }
    };
    let heartbeat_timeout = timeout(&args.heartbeat_timeout);
    let start_to_close_timeout = timeout(&args.start_to_close_timeout);
    let schedule_to_start_timeout = timeout(&args.schedule_to_start_timeout);
    let schedule_to_close_timeout = timeout(&args.schedule_to_close_timeout);

    if let (Some(Timeout::Seconds(heartbeat)), Some(Timeout::Seconds(start_to_close)), Some(lit)) = (
        heartbeat_timeout,
        start_to_close_timeout,
        &args.heartbeat_timeout,
    ) && heartbeat > start_to_close
    {
        errors.spanned(
            lit,
            format!(
                "heartbeat_timeout ({}) is longer than start_to_close_timeout ({}): the task \
                 would always time out at start-to-close first, so the heartbeat timeout \
                 could never fire; make it shorter than {}",
                format_seconds(heartbeat),
                format_seconds(start_to_close),
                format_seconds(start_to_close),
            ),
        );
    }

    Definition {
        name,
        version,
        description,
        task_list,
        task_priority: args.task_priority,
        heartbeat_timeout,
        start_to_close_timeout,
        schedule_to_start_timeout,
        schedule_to_close_timeout,
        heartbeat: args.heartbeat.unwrap_or_default(),
        blocking: args.blocking,
        krate: args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::swf_activity)),
    }
}

/// The literal's value, with an error at the literal when SWF would refuse it.
fn checked_name(kind: NameKind, lit: &LitStr, errors: &mut Errors) -> String {
    let value = lit.value();
    if let Err(message) = validate_name(kind, &value) {
        errors.spanned(lit, message);
    }
    value
}

/// Refuses task list names that read as "no default" or "the worker's list" but would register a
/// list of that name: `"none"`, and Flow's `NO_DEFAULT_TASK_LIST` and `USE_WORKER_TASK_LIST`.
fn check_not_a_sentinel(lit: &LitStr, errors: &mut Errors) {
    let value = lit.value();
    if value.eq_ignore_ascii_case("none") || value == "NO_DEFAULT_TASK_LIST" {
        errors.spanned(
            lit,
            format!(
                "task list {value:?} would register a task list of that name: to register no \
                 default task list, write `task_list = none` without quotes"
            ),
        );
    } else if value == "USE_WORKER_TASK_LIST" {
        errors.spanned(
            lit,
            "task list \"USE_WORKER_TASK_LIST\" would register a task list of that name: to \
             register the worker's first task list as the default, leave out the `task_list` key",
        );
    }
}

/// The `#[doc = "..."]` attributes (doc comments) with their text.
fn doc_lines(attrs: &[Attribute]) -> Vec<(&Attribute, String)> {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(MetaNameValue {
                path,
                value:
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                ..
            }) if path.is_ident("doc") => Some((attr, text.value())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse_quote;

    use super::*;
    use crate::args::parse_args;

    fn build_from(args: TokenStream, func: ItemFn) -> (Definition, String) {
        let mut errors = Errors::default();
        let args = parse_args(args, &mut errors);
        let definition = build(args, &func, &mut errors);
        (definition, errors.into_compile_errors().to_string())
    }

    #[test]
    fn defaults_come_from_the_function() {
        let (def, errors) = build_from(
            quote!(version = "1"),
            parse_quote! {
                /// Resizes one image.
                ///
                /// Keeps the ratio.
                async fn r#resize_image() {}
            },
        );
        assert_eq!(errors, "");
        assert_eq!(def.name, "resize_image");
        assert_eq!(def.version, "1");
        assert_eq!(
            def.description.as_deref(),
            Some("Resizes one image.\n\nKeeps the ratio.")
        );
        assert_eq!(def.heartbeat, Heartbeat::Auto);
        assert_eq!(def.task_list, DefaultTaskList::WorkerTaskList);
        assert!(def.heartbeat_timeout.is_none());
    }

    #[test]
    fn keys_override_defaults() {
        let (def, errors) = build_from(
            quote!(
                name = "Resize",
                version = "2",
                description = "short",
                task_list = "images",
                heartbeat_timeout = "30s",
                start_to_close_timeout = "10m",
                schedule_to_start_timeout = "none",
                schedule_to_close_timeout = "1h30m",
                task_priority = 7,
                heartbeat = "manual"
            ),
            parse_quote! { /// Long docs.
            async fn resize() {} },
        );
        assert_eq!(errors, "");
        assert_eq!(def.name, "Resize");
        assert_eq!(def.description.as_deref(), Some("short"));
        assert_eq!(def.task_list, DefaultTaskList::Named("images".to_owned()));
        assert_eq!(def.heartbeat_timeout, Some(Timeout::Seconds(30)));
        assert_eq!(def.start_to_close_timeout, Some(Timeout::Seconds(600)));
        assert_eq!(def.schedule_to_start_timeout, Some(Timeout::Unlimited));
        assert_eq!(def.schedule_to_close_timeout, Some(Timeout::Seconds(5400)));
        assert_eq!(def.task_priority, Some(7));
        assert_eq!(def.heartbeat, Heartbeat::Manual);
    }

    #[test]
    fn reports_every_invalid_value() {
        let (_, errors) = build_from(
            quote!(
                name = "a:b",
                task_list = " images",
                description = "",
                heartbeat_timeout = "1h",
                start_to_close_timeout = "10m",
                schedule_to_start_timeout = "30 parsecs",
                schedule_to_close_timeout = "0.5s"
            ),
            parse_quote! { async fn f() {} },
        );
        for expected in [
            "missing `version`",
            "contains `:`",
            "must not start or end with whitespace",
            "is longer than start_to_close_timeout",
            "invalid duration",
            "only takes whole seconds",
        ] {
            assert!(
                errors.contains(expected),
                "missing {expected:?} in {errors}"
            );
        }
    }

    #[test]
    fn a_mistaken_version_is_not_also_reported_missing() {
        for args in [quote!(name "x"), quote!(versoin = "1"), quote!(version = 1)] {
            let (_, errors) = build_from(args, parse_quote! { async fn f() {} });
            assert!(!errors.contains("missing `version`"), "{errors}");
        }
    }

    #[test]
    fn long_doc_comments_need_a_description() {
        let doc = "x".repeat(1100);
        let (_, errors) = build_from(
            quote!(version = "1"),
            parse_quote! { #[doc = #doc] async fn f() {} },
        );
        assert!(errors.contains("set a shorter `description"), "{errors}");
    }
}
