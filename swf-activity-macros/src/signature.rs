//! What an activity function's signature says: where the `Progress` handle, the resources and
//! the input go, and what it returns. Every rule on the signature is checked here.

use syn::{
    FnArg, GenericArgument, GenericParam, ItemFn, PatType, PathArguments, ReturnType, Type,
    TypePath, TypeReference,
};

use crate::ctxt::Errors;

/// How the function takes the worker's `Progress` handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProgressArg {
    /// `progress: Progress`
    Value,
    /// `progress: &Progress`
    Ref,
    /// `progress: &mut Progress`
    RefMut,
}

/// One parameter, in the order written.
#[derive(Clone, Debug)]
pub(crate) enum Param {
    /// The `Progress` handle.
    Progress(ProgressArg),
    /// The input, decoded from the task's JSON input.
    Input(Box<Type>),
    /// A value the worker shares, `Resource<T>`; holds `T`.
    Resource(Box<Type>),
}

/// What the function returns.
#[derive(Clone, Debug)]
pub(crate) enum Output {
    /// Nothing (`()` or no return type): an empty result.
    Unit,
    /// A value sent as the task's JSON result.
    Plain(Box<Type>),
    /// A `Result` whose `Ok` value is sent as the result and whose error fails the task; its
    /// type arguments when written out, for error spans.
    Result {
        ty: Box<Type>,
        ok: Option<Box<Type>>,
        err: Option<Box<Type>>,
    },
}

/// The parts of a signature the expansion needs.
#[derive(Clone, Debug)]
pub(crate) struct Signature {
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
}

impl Signature {
    /// The input type, if the function takes one.
    pub(crate) fn input(&self) -> Option<&Type> {
        self.params.iter().find_map(|p| match p {
            Param::Input(ty) => Some(&**ty),
            Param::Progress(_) | Param::Resource(_) => None,
        })
    }

    /// The types of the resources it takes, in order.
    pub(crate) fn resources(&self) -> impl Iterator<Item = &Type> {
        self.params.iter().filter_map(|p| match p {
            Param::Resource(ty) => Some(&**ty),
            Param::Progress(_) | Param::Input(_) => None,
        })
    }

    /// How the function takes `Progress`, if it does.
    pub(crate) fn progress(&self) -> Option<ProgressArg> {
        self.params.iter().find_map(|p| match p {
            Param::Progress(arg) => Some(*arg),
            Param::Input(_) | Param::Resource(_) => None,
        })
    }
}

/// Checks `func` against the rules for activity functions, recording each broken rule in
/// `errors` at the tokens that break it. The signature is returned even when rules are broken,
/// with the offending parameters left out.
///
/// A `blocking` activity is a plain `fn` the worker runs on its blocking pool; any other is an
/// `async fn`.
pub(crate) fn analyze(func: &ItemFn, blocking: bool, errors: &mut Errors) -> Signature {
    let sig = &func.sig;
    let fn_name = &sig.ident;
    match (&sig.asyncness, blocking) {
        (None, false) => errors.spanned(
            sig.fn_token,
            format!(
                "an activity function must be `async`: write `async fn {fn_name}`; \
                 the worker runs it as a future. For a plain `fn` that blocks its thread \
                 (a synchronous SDK, FFI, CPU-bound work), write `#[activity(blocking, ...)]`: \
                 the worker runs it on its blocking pool"
            ),
        ),
        (Some(asyncness), true) => errors.spanned(
            asyncness,
            format!(
                "a `blocking` activity is a plain `fn`: write `fn {fn_name}`, which the worker \
                 runs on a thread of its blocking pool; or remove `blocking` to run this \
                 `async fn` on the worker's runtime"
            ),
        ),
        _ => {}
    }
    if let Some(constness) = &sig.constness {
        errors.spanned(constness, "an activity function cannot be `const`");
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(
            unsafety,
            "an activity function cannot be `unsafe`: the worker calls it with nothing to uphold",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, "an activity function cannot declare an ABI (`extern`)");
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "an activity function cannot be variadic");
    }
    for param in &sig.generics.params {
        match param {
            GenericParam::Lifetime(def) => errors.spanned(
                def,
                format!(
                    "explicit lifetimes are not supported on activity functions: the worker passes \
                     an owned input decoded from JSON and its own `Progress`; remove `{}` and take \
                     owned values (`String`, not `&'a str`)",
                    def.lifetime
                ),
            ),
            GenericParam::Type(_) | GenericParam::Const(_) => errors.spanned(
                param,
                "generic parameters are not supported on activity functions: an activity is \
                 registered with one input and one output type; use concrete types",
            ),
        }
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(
            where_clause,
            "`where` clauses are not supported on activity functions: use concrete types",
        );
    }

    let mut params = Vec::new();
    let mut first_progress: Option<&PatType> = None;
    let mut first_input: Option<&PatType> = None;
    let mut resources: Vec<(&PatType, String)> = Vec::new();
    for arg in &sig.inputs {
        let typed = match arg {
            FnArg::Receiver(receiver) => {
                errors.spanned(
                    receiver,
                    "an activity is a free `async fn`: it cannot take `self`; move it out of the \
                     `impl` block, pass what it needs in its input, and take values the worker \
                     shares (clients, pools) as `Resource<T>` parameters",
                );
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        if let Some(progress) = progress_arg(&typed.ty) {
            if let Some(first) = first_progress {
                errors.spanned(
                    typed,
                    format!(
                        "an activity takes at most one `Progress` parameter, and `{}` is already \
                         one; remove this one (`Progress` is `Clone` if you need two handles)",
                        pat_text(first)
                    ),
                );
                continue;
            }
            first_progress = Some(typed);
            params.push(Param::Progress(progress));
            continue;
        }
        if let Type::Reference(reference) = &*typed.ty
            && let Some(inner) = resource_arg(&reference.elem)
        {
            let inner = type_text(inner);
            errors.spanned(
                reference,
                format!(
                    "take the resource by value: `{}: Resource<{inner}>`; a `Resource` is a cheap \
                     handle (an `Arc`) to the value the worker shares, not the value itself",
                    pat_text(typed)
                ),
            );
            continue;
        }
        if let Some(inner) = resource_arg(&typed.ty) {
            let key = type_text(inner);
            if let Some((first, _)) = resources.iter().find(|(_, k)| *k == key) {
                errors.spanned(
                    typed,
                    format!(
                        "`Resource<{key}>` is already taken as `{}`: the worker holds one value \
                         per type, so a second parameter would be the same value; remove this one, \
                         or give the two values distinct types (a newtype such as \
                         `struct Archive(Client)`)",
                        pat_text(first)
                    ),
                );
                continue;
            }
            resources.push((typed, key));
            params.push(Param::Resource(Box::new(inner.clone())));
            continue;
        }
        if let Type::ImplTrait(impl_trait) = &*typed.ty {
            errors.spanned(
                impl_trait,
                "`impl Trait` parameters are not supported on activity functions: the input must \
                 be one concrete type that implements `serde::Deserialize`",
            );
            continue;
        }
        if let Type::Reference(reference) = &*typed.ty {
            let elem = &reference.elem;
            let owned = match &**elem {
                Type::Path(p) if p.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => {
                    let item = &slice.elem;
                    format!("Vec<{}>", quote::quote!(#item))
                }
                other => quote::quote!(#other).to_string(),
            };
            errors.spanned(
                reference,
                format!(
                    "an activity's input cannot be a reference: it is decoded from the task's \
                     JSON input into a value the activity owns; take `{owned}` instead"
                ),
            );
            continue;
        }
        if let Some(first) = first_input {
            errors.spanned(
                typed,
                format!(
                    "an activity takes at most one input parameter, and `{}` is already its input: \
                     SWF gives a task one input; put both values in one struct that derives \
                     `serde::Deserialize` (a value the worker shares, such as a client, is taken \
                     as `Resource<T>`)",
                    pat_text(first)
                ),
            );
            continue;
        }
        first_input = Some(typed);
        params.push(Param::Input(typed.ty.clone()));
    }

    let output = match &sig.output {
        ReturnType::Default => Output::Unit,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
            Type::ImplTrait(impl_trait) => {
                errors.spanned(
                    impl_trait,
                    "an activity function must return a concrete type that implements \
                     `serde::Serialize`, not `impl Trait`",
                );
                Output::Unit
            }
            Type::Path(TypePath { qself: None, path })
                if path.segments.last().is_some_and(|s| s.ident == "Result") =>
            {
                let mut type_args = match path.segments.last().map(|s| &s.arguments) {
                    Some(PathArguments::AngleBracketed(args)) => args
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            GenericArgument::Type(ty) => Some(Box::new(ty.clone())),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .into_iter(),
                    _ => Vec::new().into_iter(),
                };
                Output::Result {
                    ty: ty.clone(),
                    ok: type_args.next(),
                    err: type_args.next(),
                }
            }
            _ => Output::Plain(ty.clone()),
        },
    };

    Signature { params, output }
}

/// How `ty` passes a `Progress` handle, if it is one: `Progress`, `&Progress` or
/// `&mut Progress`, under any path whose last segment is `Progress`.
fn progress_arg(ty: &Type) -> Option<ProgressArg> {
    fn is_progress(ty: &Type) -> bool {
        match ty {
            Type::Path(TypePath { qself: None, path }) => path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Progress" && s.arguments.is_none()),
            Type::Paren(paren) => is_progress(&paren.elem),
            Type::Group(group) => is_progress(&group.elem),
            _ => false,
        }
    }
    match ty {
        Type::Reference(TypeReference {
            mutability, elem, ..
        }) if is_progress(elem) => Some(if mutability.is_some() {
            ProgressArg::RefMut
        } else {
            ProgressArg::Ref
        }),
        Type::Group(group) => progress_arg(&group.elem),
        _ if is_progress(ty) => Some(ProgressArg::Value),
        _ => None,
    }
}

/// `T` when `ty` is `Resource<T>` under any path whose last segment is `Resource`. A bare
/// `Resource` (no type argument) is an input type of the user's, as it always was.
fn resource_arg(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Path(TypePath { qself: None, path }) => {
            let last = path.segments.last()?;
            if last.ident != "Resource" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let mut types = args.args.iter().filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            });
            match (types.next(), types.next(), args.args.len()) {
                (Some(inner), None, 1) => Some(inner),
                _ => None,
            }
        }
        Type::Paren(paren) => resource_arg(&paren.elem),
        Type::Group(group) => resource_arg(&group.elem),
        _ => None,
    }
}

/// A type as the user wrote it, for messages and for comparing resource types.
fn type_text(ty: &Type) -> String {
    quote::quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
}

/// The parameter's pattern as the user wrote it, for messages.
fn pat_text(param: &PatType) -> String {
    let pat = &param.pat;
    quote::quote!(#pat).to_string()
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    fn check(func: ItemFn) -> (Signature, String) {
        let mut errors = Errors::default();
        let sig = analyze(&func, false, &mut errors);
        (sig, errors.into_compile_errors().to_string())
    }

    #[test]
    fn finds_progress_and_input_in_any_order() {
        let (sig, errors) = check(parse_quote! {
            async fn a(input: Input, p: &swf_activity::Progress) -> Result<u32, MyError> { todo!() }
        });
        assert_eq!(errors, "");
        assert!(matches!(sig.params[0], Param::Input(_)));
        assert_eq!(sig.progress(), Some(ProgressArg::Ref));
        assert!(matches!(
            &sig.output,
            Output::Result {
                ok: Some(_),
                err: Some(_),
                ..
            }
        ));

        let (sig, errors) = check(parse_quote! { async fn b(p: &mut Progress) {} });
        assert_eq!(errors, "");
        assert_eq!(sig.progress(), Some(ProgressArg::RefMut));
        assert!(sig.input().is_none());
        assert!(matches!(sig.output, Output::Unit));

        let (sig, errors) =
            check(parse_quote! { async fn c(x: Vec<String>) -> Thumbnails { todo!() } });
        assert_eq!(errors, "");
        assert!(sig.progress().is_none());
        assert!(matches!(sig.output, Output::Plain(_)));
    }

    #[test]
    fn finds_resources_by_type_and_refuses_the_same_type_twice() {
        let (sig, errors) = check(parse_quote! {
            async fn a(s3: Resource<S3>, p: Progress, db: swf_activity::Resource<Pool>, input: In) {}
        });
        assert_eq!(errors, "");
        let types: Vec<String> = sig.resources().map(type_text).collect();
        assert_eq!(types, ["S3", "Pool"]);
        assert!(sig.input().is_some());

        let (sig, errors) = check(parse_quote! { async fn b(a: Resource<S3>, b: Resource<S3>) {} });
        assert!(
            errors.contains("`Resource<S3>` is already taken as `a`"),
            "{errors}"
        );
        assert_eq!(sig.resources().count(), 1);

        let (_, errors) = check(parse_quote! { async fn c(a: &Resource<S3>) {} });
        assert!(errors.contains("take the resource by value"), "{errors}");

        // A user's own input type named `Resource` stays the input.
        let (sig, errors) = check(parse_quote! { async fn d(r: Resource) {} });
        assert_eq!(errors, "");
        assert!(sig.input().is_some() && sig.resources().count() == 0);
    }

    #[test]
    fn a_borrowed_input_asks_for_the_owned_type() {
        let (_, errors) = check(parse_quote! { async fn a(path: &'static str) {} });
        assert!(errors.contains("take `String` instead"), "{errors}");
        let (_, errors) = check(parse_quote! { async fn a(bytes: &[u8]) {} });
        assert!(errors.contains("take `Vec<u8>` instead"), "{errors}");
    }

    #[test]
    fn blocking_activities_are_plain_fns() {
        let func: ItemFn = parse_quote! { fn hash(p: &Progress, input: Vec<u8>) -> u64 { 0 } };
        let mut errors = Errors::default();
        let sig = analyze(&func, true, &mut errors);
        assert_eq!(errors.into_compile_errors().to_string(), "");
        assert_eq!(sig.progress(), Some(ProgressArg::Ref));

        let func: ItemFn = parse_quote! { async fn hash() {} };
        let mut errors = Errors::default();
        analyze(&func, true, &mut errors);
        let errors = errors.into_compile_errors().to_string();
        assert!(
            errors.contains("a `blocking` activity is a plain `fn`"),
            "{errors}"
        );

        let (_, errors) = check(parse_quote! { fn hash() {} });
        assert!(errors.contains("#[activity(blocking, ...)]"), "{errors}");
    }

    #[test]
    fn reports_every_broken_rule_at_once() {
        let (sig, errors) = check(parse_quote! {
            unsafe fn bad<'a, T>(&self, p: Progress, q: Progress, a: A, b: B, c: impl Sized) -> impl Sized
            where T: Clone { todo!() }
        });
        for expected in [
            "must be `async`",
            "cannot be `unsafe`",
            "explicit lifetimes are not supported",
            "generic parameters are not supported",
            "`where` clauses are not supported",
            "cannot take `self`",
            "at most one `Progress` parameter, and `p` is already one",
            "at most one input parameter, and `a` is already its input",
            "`impl Trait` parameters are not supported",
            "not `impl Trait`",
        ] {
            assert!(
                errors.contains(expected),
                "missing {expected:?} in {errors}"
            );
        }
        assert_eq!(sig.params.len(), 2);
    }
}
