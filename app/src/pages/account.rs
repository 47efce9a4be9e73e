//! `/account` (signed-in users): the caller's own account, forms to rename it, change its
//! password or email, verify the email, connect sign-in providers, turn two-factor sign-in on
//! or off, see and end its sessions, download its data and delete it.

mod deletion;
mod sessions;
mod two_factor;

use leptos::prelude::*;
use leptos_meta::Title;
use mizan::forms::MizanForm;

use crate::api::accounts::{
    DisconnectProvider, ResendVerification, account_summary, sign_in_methods, use_current_user,
};
use crate::components::Guarded;
use crate::components::form::error_for;
use crate::forms::{use_change_email_form, use_change_password_form, use_profile_form};

/// The signed-in user's name, email and role.
#[component]
pub fn AccountPage() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |()| account_summary());
    let profile = use_profile_form();
    let password = use_change_password_form();
    let email = use_change_email_form();
    let disconnect = ServerAction::<DisconnectProvider>::new();
    let methods = Resource::new_blocking(move || disconnect.version().get(), |_| sign_in_methods());
    let user = use_current_user();
    // A new name shows here and in the nav without a reload.
    Effect::new(move |_| {
        if profile.succeeded() {
            summary.refetch();
            user.refetch();
        }
    });
    view! {
        <Guarded resource=summary render=move |info| {
            // The name form starts from the name in use (unless it holds a posted one).
            if profile.value_untracked("name").is_empty() {
                profile.set("name", info.name.clone());
            }
            view! {
            <Title text="Your account"/>
            <section class="card">
                <h1>"Your account"</h1>
                <dl>
                    <dt>"Name"</dt><dd data-testid="account-name">{info.name}</dd>
                    <dt>"Email"</dt><dd>{info.email}" "<EmailStatus/></dd>
                    <dt>"Role"</dt><dd data-testid="account-role">{info.role.name()}</dd>
                    // More about the account may follow here.{% if showcase %}
                    <crate::showcase::MessageCount/> // The showcase's cached count.{% endif %}
                </dl>
                <h2>"Change your name"</h2>
                <Transition fallback=|| ()>
                    <Show when=move || profile.succeeded()>
                        <p class="success" role="status">"Your name is changed."</p>
                    </Show>
                </Transition>
                <MizanForm form=profile submit_label="Save"/>
                <h2>"Change your password"</h2>
                <Transition fallback=|| ()>
                    <Show when=move || password.succeeded()>
                        <p class="success" role="status">"Your password is changed. Your other sessions have ended."</p>
                    </Show>
                </Transition>
                <MizanForm form=password submit_label="Change the password"/>
                <h2>"Change your email address"</h2>
                <Transition fallback=|| ()>
                    <Show when=move || email.succeeded()>
                        <p class="success" role="status">"We mailed a link to the new address: open it to use it from now on."</p>
                    </Show>
                </Transition>
                <MizanForm form=email submit_label="Mail me a link"/>
                <Providers methods=methods disconnect=disconnect/>
                <two_factor::TwoFactor/>
                <sessions::Sessions/>
                <deletion::Deletion/>
            </section>
            }
        }/>
    }
}

/// Whether the email is verified, and a way to get a new link.
#[component]
fn EmailStatus() -> impl IntoView {
    let user = use_current_user();
    let resend = ServerAction::<ResendVerification>::new();
    view! {
        <Transition fallback=|| ()>
            {move || user.get().and_then(Result::ok).flatten().map(|user| {
                if user.email_verified {
                    view! { <span class="badge" data-testid="email-status">"verified"</span> }.into_any()
                } else {
                    view! {
                        <span class="badge warn" data-testid="email-status">"not verified yet"</span>
                        <ActionForm action=resend attr:class="inline">
                            <button type="submit" class="link">"Mail me a new link"</button>
                        </ActionForm>
                        <span role="status">{move || match resend.value().get() {
                            Some(Ok(())) => Some("Sent: check your inbox.".to_owned()),
                            Some(Err(error)) => Some(error.to_string()),
                            None => None,
                        }}</span>
                    }
                    .into_any()
                }
            })}
        </Transition>
    }
}

/// The sign-in providers: connect one, or disconnect one that is not the last way in.
#[component]
fn Providers(
    methods: Resource<Result<mizan::auth::LoginMethods, mizan::AppError>>,
    disconnect: ServerAction<DisconnectProvider>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || methods.get().and_then(Result::ok).filter(|m| !m.providers.is_empty()).map(|methods| view! {
                <h2>"Sign-in providers"</h2>
                <p class="form-error" role="alert">{error_for(disconnect.value(), "form")}</p>
                <ul class="providers">
                    {methods.providers.into_iter().map(|p| if p.connected {
                        view! {
                            <li>
                                {p.label.clone()}": connected "
                                <ActionForm action=disconnect attr:class="inline">
                                    <input type="hidden" name="provider" value=p.id.clone()/>
                                    <button type="submit" class="link">"Disconnect "{p.label}</button>
                                </ActionForm>
                            </li>
                        }.into_any()
                    } else {
                        view! {
                            <li>
                                <a rel="external" href=mizan::routes::oauth_connect(&p.id, "/account")>
                                    "Connect "{p.label}
                                </a>
                            </li>
                        }.into_any()
                    }).collect_view()}
                </ul>
            })}
        </Transition>
    }
}
