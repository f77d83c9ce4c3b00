//! Generating the activity: a unit struct named after the function, the body as its associated
//! `run` function, its `DEFINITION`, its `Activity` implementation (with the resources it takes)
//! and its `TypedActivity` implementation (its input and output types, for deciders).

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ItemFn, LitStr};

use crate::args::{Heartbeat, parse_args};
use crate::ctxt::Errors;
use crate::duration::Timeout;
use crate::model::{DefaultTaskList, Definition, build};
use crate::signature::{Output, Param, ProgressArg, Signature, analyze};

/// Expands `#[activity(args)] item`. Never panics: every problem becomes a `compile_error!`.
///
/// When only the arguments are wrong, the activity is still generated (with defaults in place of
/// the invalid values) so code that uses it keeps compiling and only the real mistakes are shown.
/// When the signature is wrong, the function is emitted as written next to the errors.
pub(crate) fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "#[activity] goes on an `async fn`, e.g. `#[activity(version = \"1\")] async fn resize_image(input: Input) -> Output`",
            );
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };

    let mut errors = Errors::default();
    let args = parse_args(args, &mut errors);
    let mut signature_errors = Errors::default();
    let signature = analyze(&func, args.blocking, &mut signature_errors);
    let definition = build(args, &func, &mut errors);

    if !signature_errors.is_empty() {
        signature_errors.push_all(errors);
        let mut func = func;
        // A receiver outside an `impl` would only add an error about itself.
        func.sig.inputs = func
            .sig
            .inputs
            .into_iter()
            .filter(|arg| matches!(arg, FnArg::Typed(_)))
            .collect();
        let errors = signature_errors.into_compile_errors();
        return quote!(#func #errors);
    }

    let generated = generate(&func, &signature, &definition);
    let errors = errors.into_compile_errors();
    quote!(#generated #errors)
}

/// The struct, its inherent `impl` and its `Activity` implementation.
fn generate(func: &ItemFn, signature: &Signature, definition: &Definition) -> TokenStream {
    let krate = &definition.krate;
    let private = quote!(#krate::__private);
    let vis = &func.vis;
    let ident = &func.sig.ident;

    let (docs, rest): (Vec<&Attribute>, Vec<&Attribute>) =
        func.attrs.iter().partition(|a| a.path().is_ident("doc"));
    let (cfgs, others): (Vec<&Attribute>, Vec<&Attribute>) = rest
        .into_iter()
        .partition(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"));
    let fallback_doc = docs.is_empty().then(|| {
        let text = format!(" The `{}` activity.", definition.name);
        quote!(#[doc = #text])
    });

    let mut run_sig = func.sig.clone();
    run_sig.ident = Ident::new("run", ident.span());
    let block = &func.block;

    let definition_tokens = definition_expr(definition, &private);
    let execute = execute_body(func, signature, definition.blocking, &private);
    let execute_fns = if signature.resources().next().is_none() {
        quote! {
            fn execute(
                &self,
                progress: #private::Progress,
                input: #private::Option<#private::String>,
            ) -> #private::ActivityFuture {
                #execute
            }
        }
    } else {
        let keys = signature
            .resources()
            .map(|ty| quote_spanned!(ty.span()=> #private::resource_key::<#ty>()));
        quote! {
            fn execute(
                &self,
                progress: #private::Progress,
                input: #private::Option<#private::String>,
            ) -> #private::ActivityFuture {
                #private::Activity::execute_with(self, progress, input, &#private::Resources::new())
            }

            fn resources(&self) -> #private::Vec<#private::ResourceKey> {
                #private::Vec::from([#(#keys),*])
            }

            fn execute_with(
                &self,
                progress: #private::Progress,
                input: #private::Option<#private::String>,
                resources: &#private::Resources,
            ) -> #private::ActivityFuture {
                #execute
            }
        }
    };
    let input_type = match signature.input() {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let output_type = match &signature.output {
        Output::Unit => quote!(()),
        Output::Plain(ty) => quote!(#ty),
        Output::Result { ok: Some(ok), .. } => quote!(#ok),
        Output::Result { ty, ok: None, .. } => quote!(<#ty as #private::ResultOk>::Ok),
    };

    quote! {
        #(#cfgs)*
        #(#docs)*
        #fallback_doc
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident;

        #(#cfgs)*
        impl #ident {
            /// Runs the activity's body directly, without a worker (for tests and composition).
            #(#others)*
            #vis #run_sig #block

            /// The activity's name, version, registration defaults and heartbeat mode.
            #vis const DEFINITION: #private::ActivityDefinition = #definition_tokens;
        }

        #(#cfgs)*
        impl #private::Activity for #ident {
            fn definition(&self) -> &#private::ActivityDefinition {
                static DEFINITION: #private::ActivityDefinition = #ident::DEFINITION;
                &DEFINITION
            }

            #execute_fns
        }

        #(#cfgs)*
        impl #private::TypedActivity for #ident {
            type Input = #input_type;
            type Output = #output_type;
        }
    }
}

/// The body of `execute`: decode the input, run the body, encode its output. Each check is
/// spanned at the user's tokens it is about, so its error lands there.
fn execute_body(
    func: &ItemFn,
    signature: &Signature,
    blocking: bool,
    private: &TokenStream,
) -> TokenStream {
    let progress = format_ident!("__swf_progress");
    let input = format_ident!("__swf_input");
    let output = format_ident!("__swf_output");

    let decode = match signature.input() {
        Some(ty) => quote_spanned! {ty.span()=>
            let #input: #ty = #private::decode_input::<Self, #ty>(input.as_deref())?;
        },
        None => quote!(let _ = input;),
    };
    let bind_progress = match signature.progress() {
        Some(ProgressArg::RefMut) => quote!(let mut #progress = progress;),
        _ => quote!(let #progress = progress;),
    };
    let resource = |i: usize| format_ident!("__swf_resource_{i}");
    let mut resources = 0;
    let call_args: Vec<TokenStream> = signature
        .params
        .iter()
        .map(|param| match param {
            Param::Progress(ProgressArg::Value) => quote!(#progress),
            Param::Progress(ProgressArg::Ref) => quote!(&#progress),
            Param::Progress(ProgressArg::RefMut) => quote!(&mut #progress),
            Param::Input(_) => quote!(#input),
            Param::Resource(_) => {
                resources += 1;
                let name = resource(resources - 1);
                quote!(#name)
            }
        })
        .collect();
    // Resources are looked up before the task starts (the handles are moved into it); a missing
    // one fails the task, before its input is decoded.
    let take_resources = signature.resources().enumerate().map(|(i, ty)| {
        let name = resource(i);
        quote_spanned! {ty.span()=>
            let #name = #private::resource::<Self, #ty>(self, resources);
        }
    });
    let check_resources = (0..resources).map(|i| {
        let name = resource(i);
        quote!(let #name = #name?;)
    });
    let encode = match &signature.output {
        Output::Unit => quote!(#private::encode_output::<Self, ()>(&#output)),
        Output::Plain(ty) => quote_spanned! {ty.span()=>
            #private::encode_output::<Self, #ty>(&#output)
        },
        Output::Result { ty, ok, err } => {
            let ok_value = format_ident!("__swf_ok");
            let err_value = format_ident!("__swf_err");
            let ok_span = ok.as_ref().map_or_else(|| ty.span(), |t| t.span());
            let err_span = err.as_ref().map_or_else(|| ty.span(), |t| t.span());
            let encode_ok =
                quote_spanned! {ok_span=> #private::encode_output::<Self, _>(&#ok_value) };
            let convert_err =
                quote_spanned! {err_span=> #private::into_activity_error::<Self, _>(#err_value) };
            quote! {
                match #output {
                    #private::Result::Ok(#ok_value) => #encode_ok,
                    #private::Result::Err(#err_value) => #private::Result::Err(#convert_err),
                }
            }
        }
    };
    let unused_progress = signature
        .progress()
        .is_none()
        .then(|| quote!(let _ = &#progress;));
    if blocking {
        // The body runs on a blocking thread: the input is decoded and the output encoded there,
        // so neither has to be `Send`; only the raw input and the resource handles move.
        let mutability =
            matches!(signature.progress(), Some(ProgressArg::RefMut)).then(|| quote!(mut));
        return quote! {
            #(#take_resources)*
            #private::run_blocking(
                progress,
                move |#mutability #progress: #private::Progress|
                      -> #private::Result<#private::Option<#private::String>, #private::ActivityError> {
                    #unused_progress
                    #(#check_resources)*
                    #decode
                    let #output = Self::run(#(#call_args),*);
                    #encode
                },
            )
        };
    }
    let send_span = func.sig.ident.span();
    let body = quote! {
        #(#check_resources)*
        #decode
        let #output = Self::run(#(#call_args),*).await;
        #encode
    };
    // Spanned at the function's name, so a future that is not `Send` is reported there.
    let private_at_name = respan(private.clone(), send_span);
    // A check named after the activity: rustc's note on a future that is not `Send` names the
    // function whose bound failed, so the user reads which activity it is about.
    let check = quote::format_ident!(
        "activity_{}_must_return_a_Send_future",
        func.sig.ident.to_string().trim_start_matches("r#"),
        span = send_span
    );
    let struct_name = &func.sig.ident;
    let task = quote_spanned! {send_span=>
        {
            #[allow(non_snake_case)]
            fn #check<F>(future: F) -> #private_at_name::ActivityFuture
            where
                F: #private_at_name::ActivitySendFuture<
                    #struct_name,
                    Output = #private_at_name::Result<
                        #private_at_name::Option<#private_at_name::String>,
                        #private_at_name::ActivityError,
                    >,
                >,
            {
                #private_at_name::Box::pin(future)
            }
            #check(async move { #body })
        }
    };
    quote! {
        #(#take_resources)*
        #bind_progress
        #unused_progress
        #task
    }
}

/// The same tokens, all at `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut group = Group::new(group.delimiter(), respan(group.stream(), span));
                group.set_span(span);
                tree = TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The `ActivityDefinition` constant expression.
fn definition_expr(definition: &Definition, private: &TokenStream) -> TokenStream {
    let string = |s: &str| LitStr::new(s, Span::call_site());
    let cow = |s: &Option<String>| match s {
        Some(s) => {
            let lit = string(s);
            quote!(#private::Option::Some(#private::Cow::Borrowed(#lit)))
        }
        None => quote!(#private::Option::None),
    };
    let timeout = |t: &Option<Timeout>| match t {
        Some(Timeout::Seconds(s)) => quote!(#private::Option::Some(#private::Timeout::Seconds(#s))),
        Some(Timeout::Unlimited) => quote!(#private::Option::Some(#private::Timeout::Unlimited)),
        None => quote!(#private::Option::None),
    };
    let name = string(&definition.name);
    let version = string(&definition.version);
    let description = cow(&definition.description);
    let task_list = match &definition.task_list {
        DefaultTaskList::WorkerTaskList => quote!(#private::DefaultTaskList::WorkerTaskList),
        DefaultTaskList::Named(name) => {
            let lit = string(name);
            quote!(#private::DefaultTaskList::Named(#private::Cow::Borrowed(#lit)))
        }
        DefaultTaskList::NoDefault => quote!(#private::DefaultTaskList::NoDefault),
    };
    let task_priority = match definition.task_priority {
        Some(p) => quote!(#private::Option::Some(#p)),
        None => quote!(#private::Option::None),
    };
    let heartbeat_timeout = timeout(&definition.heartbeat_timeout);
    let start_to_close_timeout = timeout(&definition.start_to_close_timeout);
    let schedule_to_start_timeout = timeout(&definition.schedule_to_start_timeout);
    let schedule_to_close_timeout = timeout(&definition.schedule_to_close_timeout);
    let heartbeat = match definition.heartbeat {
        Heartbeat::Auto => quote!(#private::HeartbeatMode::Auto),
        Heartbeat::Manual => quote!(#private::HeartbeatMode::Manual),
    };
    quote! {
        #private::ActivityDefinition {
            activity_type: #private::ActivityType::from_static(#name, #version),
            defaults: #private::RegistrationDefaults {
                description: #description,
                task_list: #task_list,
                task_priority: #task_priority,
                heartbeat_timeout: #heartbeat_timeout,
                start_to_close_timeout: #start_to_close_timeout,
                schedule_to_start_timeout: #schedule_to_start_timeout,
                schedule_to_close_timeout: #schedule_to_close_timeout,
            },
            heartbeat: #heartbeat,
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        activity(args, item).to_string()
    }

    #[test]
    fn generates_the_struct_run_and_definition() {
        let out = expand(
            quote!(version = "1", heartbeat_timeout = "30s"),
            quote! {
                /// Resizes one image.
                pub async fn resize_image(progress: &Progress, input: Input) -> Result<Out, MyError> { todo!() }
            },
        );
        assert!(out.contains("pub struct resize_image ;"), "{out}");
        assert!(
            out.contains("pub async fn run (progress : & Progress , input : Input)"),
            "{out}"
        );
        assert!(out.contains("pub const DEFINITION"), "{out}");
        assert!(
            out.contains("from_static (\"resize_image\" , \"1\")"),
            "{out}"
        );
        assert!(out.contains("Timeout :: Seconds (30u64)"), "{out}");
        assert!(
            out.contains("Cow :: Borrowed (\"Resizes one image.\")"),
            "{out}"
        );
        assert!(
            out.contains(":: swf_activity :: __private :: Activity for resize_image"),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_blocking_activity_runs_its_body_on_the_blocking_pool() {
        let out = expand(
            quote!(blocking, version = "1"),
            quote! { pub fn hash(progress: &mut Progress, input: Vec<u8>) -> u64 { 0 } },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("pub fn run (progress : & mut Progress , input : Vec < u8 >)"),
            "{out}"
        );
        assert!(
            out.contains("__private :: run_blocking (progress , move | mut __swf_progress"),
            "{out}"
        );
        assert!(!out.contains("must_return_a_Send_future"), "{out}");
    }

    #[test]
    fn resources_are_listed_and_taken_before_the_task_runs() {
        let out = expand(
            quote!(version = "1"),
            quote! {
                async fn upload(store: Resource<Store>, input: Input) -> Result<Out, MyError> { todo!() }
            },
        );
        assert!(out.contains("fn resources"), "{out}");
        assert!(out.contains("resource_key :: < Store > ()"), "{out}");
        assert!(out.contains("fn execute_with"), "{out}");
        assert!(
            out.contains("resource :: < Self , Store > (self , resources)"),
            "{out}"
        );
        assert!(out.contains("type Input = Input ;"), "{out}");
        assert!(out.contains("type Output = Out ;"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");

        let out = expand(
            quote!(version = "1"),
            quote!(
                async fn plain() {}
            ),
        );
        assert!(!out.contains("fn resources"), "{out}");
        assert!(out.contains("type Input = () ;"), "{out}");
    }

    #[test]
    fn the_crate_key_replaces_the_runtime_path() {
        let out = expand(
            quote!(version = "1", crate = "::renamed"),
            quote!(
                async fn a() {}
            ),
        );
        assert!(out.contains(":: renamed :: __private :: Activity"), "{out}");
        assert!(!out.contains("swf_activity"), "{out}");
    }

    #[test]
    fn wrong_arguments_still_generate_the_activity() {
        let out = expand(
            quote!(versoin = "1"),
            quote!(
                async fn a() {}
            ),
        );
        assert!(out.contains("struct a"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_wrong_signature_keeps_the_function_as_written() {
        let out = expand(
            quote!(version = "1"),
            quote!(
                fn a(&self, x: u32) {}
            ),
        );
        assert!(out.contains("fn a (x : u32)"), "{out}");
        assert!(!out.contains("struct"), "{out}");
        assert!(out.contains("must be `async`"), "{out}");
    }

    #[test]
    fn not_a_function() {
        let out = expand(
            quote!(version = "1"),
            quote!(
                struct S;
            ),
        );
        assert!(
            out.contains("struct S ;") && out.contains("goes on an `async fn`"),
            "{out}"
        );
    }
}
