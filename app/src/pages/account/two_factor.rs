//! The account's two-factor sign-in: turn it on (scan a QR code, type a first code, keep
//! the recovery codes), make new recovery codes, or turn it off. Setting it up shows the
//! QR code in place, so it takes JavaScript; the other forms work without.

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
    // The newest recovery codes made on this page, shown until it is turned off.
    let new_codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(Ok(codes)) = turn_on.result() {
            new_codes.set(Some(codes));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(codes)) = renew.result() {
            new_codes.set(Some(codes));
        }
    });
    Effect::new(move |_| {
        if turn_off.succeeded() {
            new_codes.set(None);
            start.value().set(None);
        }
    });
    Effect::new(move |_| {
        if turn_on.succeeded() || turn_off.succeeded() || renew.succeeded() {
            status.refetch();
        }
    });
    view! {
        <h2>"Two-factor sign-in"</h2>
        <Transition fallback=|| ()>
            {move || new_codes.get().map(|codes| view! { <RecoveryCodes codes/> })}
            {move || status.get().and_then(Result::ok).map(|status| if status.enabled {
                view! {
                    <p data-testid="two-factor-status">
                        "On: signing in asks for a code from your authenticator app. "
                        {codes_left(status.recovery_codes_left)}
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

/// How many recovery codes are left, in words.
fn codes_left(left: u32) -> String {
    match left {
        0 => "No recovery codes left: make new ones.".to_owned(),
        1 => "1 recovery code left.".to_owned(),
        _ => format!("{left} recovery codes left."),
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
