//! The account's two-factor sign-in: turn it on (scan a QR code, type a first code, keep
//! the recovery codes), make new recovery codes, or turn it off.

use leptos::prelude::*;
use mizan::forms::MizanForm;

use crate::api::accounts::{StartTwoFactor, my_two_factor};
use crate::components::form::error_for;
use crate::forms::{
    use_new_recovery_codes_form, use_turn_off_two_factor_form, use_turn_on_two_factor_form,
};

/// Whether two-factor sign-in is on, and what can be done about it.
#[component]
pub fn TwoFactor() -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let turn_on = use_turn_on_two_factor_form();
    let renew = use_new_recovery_codes_form();
    let turn_off = use_turn_off_two_factor_form();
    let status = Resource::new_blocking(|| (), |()| my_two_factor());
    Effect::new(move |_| {
        if turn_on.succeeded() || turn_off.succeeded() || renew.succeeded() {
            status.refetch();
        }
    });
    let new_codes = move || {
        [turn_on.result(), renew.result()]
            .into_iter()
            .find_map(|result| result.and_then(Result::ok))
    };
    view! {
        <h2>"Two-factor sign-in"</h2>
        <Transition fallback=|| ()>
            {move || new_codes().map(|codes| view! { <RecoveryCodes codes/> })}
            {move || status.get().and_then(Result::ok).map(|status| if status.enabled {
                view! {
                    <p data-testid="two-factor-status">
                        "On: signing in asks for a code from your authenticator app. "
                        {status.recovery_codes_left}" recovery codes left."
                    </p>
                    <h3>"New recovery codes"</h3>
                    <MizanForm form=renew submit_label="Make new recovery codes"/>
                    <h3>"Turn two-factor sign-in off"</h3>
                    <MizanForm form=turn_off submit_label="Turn it off"/>
                }
                .into_any()
            } else {
                view! {
                    <p data-testid="two-factor-status">
                        "Off. With it on, signing in also asks for a code from an authenticator app on your phone."
                    </p>
                    <Setup start turn_on/>
                }
                .into_any()
            })}
        </Transition>
    }
}

/// Turning it on: a button that makes a secret, then its QR code and the form for a first
/// code.
#[component]
fn Setup(
    start: ServerAction<StartTwoFactor>,
    turn_on: mizan::forms::FormHandle<crate::forms::TurnOnTwoFactorForm>,
) -> impl IntoView {
    let setup = move || start.value().get().and_then(Result::ok);
    view! {
        <p class="form-error" role="alert">{error_for(start.value(), "form")}</p>
        {move || match setup() {
            Some(setup) => view! {
                <p>"Scan this code with your authenticator app, or type the key below into it. Then enter the code it shows."</p>
                <div class="qr" inner_html=setup.qr_svg></div>
                <p>"Key: "<code data-testid="two-factor-secret">{setup.secret}</code></p>
                <MizanForm form=turn_on submit_label="Turn it on"/>
            }
            .into_any(),
            None => view! {
                <ActionForm action=start attr:class="inline">
                    <button type="submit">"Set up two-factor sign-in"</button>
                </ActionForm>
            }
            .into_any(),
        }}
    }
}

/// Recovery codes, shown once, right after they are made.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="success" role="status">
            <p>"Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. They are not shown again."</p>
            <ul class="recovery-codes" data-testid="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
        </div>
    }
}
