//! The account's data: download it, or delete the account. Deletion waits a grace period,
//! during which the account works as before and its owner may keep it (here, or from the
//! link we mail).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use mizan::forms::MizanForm;

use crate::api::accounts::{KeepMyAccount, MyData, account_deletion};
use crate::components::form::error_for;
use crate::forms::use_delete_account_form;

/// A link that downloads the account's data, and deleting the account (or keeping it).
#[component]
pub fn Deletion() -> impl IntoView {
    let delete = use_delete_account_form();
    let keep = ServerAction::<KeepMyAccount>::new();
    let scheduled = Resource::new_blocking(move || keep.version().get(), |_| account_deletion());
    Effect::new(move |_| {
        if delete.succeeded() {
            scheduled.refetch();
        }
    });
    view! {
        <h2>"Your data"</h2>
        <p>
            <a href=MyData::url() download="my-data.json">"Download your data"</a>
            " (JSON): your account, its sessions and sign-in providers, and what you made here."
        </p>
        <h2>"Delete your account"</h2>
        <Transition fallback=|| ()>
            {move || scheduled.get().and_then(Result::ok).map(|scheduled| match scheduled {
                Some(scheduled) => view! {
                    <p data-testid="deletion-status">
                        "Your account will be deleted on "{scheduled.date}", with everything in it. "
                        "Until then it works as before, and you can keep it."
                    </p>
                    <ActionForm action=keep attr:class="inline">
                        <button type="submit">"Keep my account"</button>
                    </ActionForm>
                    <p class="form-error" role="alert">{error_for(keep.value(), "form")}</p>
                }
                .into_any(),
                None => view! {
                    <p data-testid="deletion-status">
                        "Deleting it removes everything in it after a grace period. We mail you a "
                        "link that keeps it until then."
                    </p>
                    <MizanForm form=delete submit_label="Delete my account"/>
                }
                .into_any(),
            })}
        </Transition>
    }
}
