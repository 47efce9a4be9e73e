//! `GET /ws/<channel>?<params>`: authorize over HTTP, then upgrade and join the group.

use axum::Json;
use axum::Router;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use schemars::JsonSchema;
use tower_sessions::Session;
use tower_sessions::session::Id;

use super::{ChannelHandler, Joined, connection};
use crate::api::{ChannelDoc, schema_of};
use crate::auth::user_of_session;
use crate::error::AppError;
use crate::runtime::AppState;
use crate::server::client::ClientKey;
use crate::server::csrf;

/// The read buffer of each connection. Small, so that idle connections cost little:
/// larger messages are still read, in several reads.
const READ_BUFFER: usize = 4 * 1024;
/// Frames waiting in a connection's write buffer before a write fails.
const MAX_WRITE_BUFFER: usize = 256 * 1024;
/// How many users' worth of connections one client address may hold while not signed in.
const ANONYMOUS_PER_CLIENT: u32 = 10;

/// Channels as routes: every channel registered with [`crate::channel!`] is served this
/// way ([`ChannelRoutes::registered`]); `ChannelRoutes::new().channel::<C>()` builds a
/// router of chosen channels (a test's).
pub struct ChannelRoutes {
    router: Router<AppState>,
    docs: Vec<ChannelDoc>,
}

impl Default for ChannelRoutes {
    fn default() -> Self {
        Self::new()
    }
}

impl ChannelRoutes {
    /// No channel yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            docs: Vec::new(),
        }
    }

    /// Serves channel `C` at `/ws/<C::NAME>` (and describes it in the API document).
    #[must_use]
    pub fn channel<C>(mut self) -> Self
    where
        C: ChannelHandler,
        C::Params: JsonSchema,
        C::Incoming: JsonSchema,
        C::Outgoing: JsonSchema,
    {
        self.docs.push(ChannelDoc {
            name: C::NAME,
            params: schema_of::<C::Params>,
            incoming: schema_of::<C::Incoming>,
            outgoing: schema_of::<C::Outgoing>,
        });
        Self {
            router: self
                .router
                .route(&format!("/ws/{}", C::NAME), get(upgrade::<C>)),
            docs: self.docs,
        }
    }

    /// Every channel registered with [`crate::channel!`] in this binary.
    pub fn registered() -> Self {
        inventory::iter::<RegisteredChannel>
            .into_iter()
            .fold(Self::new(), |routes, channel| (channel.add)(routes))
    }

    /// The routes, for the server's router, and what the API document says of them.
    pub fn into_parts(self) -> (Router<AppState>, Vec<ChannelDoc>) {
        (self.router, self.docs)
    }
}

/// A channel registered with [`crate::channel!`]: served by every app of the binary.
pub struct RegisteredChannel {
    add: fn(ChannelRoutes) -> ChannelRoutes,
}

impl RegisteredChannel {
    /// The registration of channel `C` (what [`crate::channel!`] submits).
    pub const fn of<C>() -> Self
    where
        C: ChannelHandler,
        C::Params: JsonSchema,
        C::Incoming: JsonSchema,
        C::Outgoing: JsonSchema,
    {
        Self {
            add: ChannelRoutes::channel::<C>,
        }
    }
}

inventory::collect!(RegisteredChannel);

/// The id and the handle of a signed-in session (`None` if it cannot be told: the
/// connection then ends with the user's sessions, not with this one).
async fn signed_in_session(session: &Session, state: &AppState) -> Option<(Id, String)> {
    let handle = crate::auth::guard::session_handle(session, state)
        .await
        .ok()??;
    Some((session.id()?, handle))
}

async fn upgrade<C: ChannelHandler>(
    State(state): State<AppState>,
    session: Session,
    request: Parts,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // The handshake carries the session cookie whatever page opened it (cross-site
    // WebSocket hijacking): only our own pages may connect.
    if csrf::is_cross_site(&request.headers, &state.config.site_url) {
        return refuse(AppError::Forbidden);
    }
    let params = match Query::<C::Params>::try_from_uri(&request.uri) {
        Ok(Query(params)) => params,
        Err(rejection) => {
            return refuse(AppError::BadRequest {
                message: rejection.body_text(),
            });
        }
    };
    let user = match user_of_session(&session, &state).await {
        Ok(user) => user,
        Err(error) => return refuse(error),
    };
    if let Err(error) = C::authorize(user.as_ref(), &params) {
        return refuse(error);
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // Per user; visitors who are not signed in, per client address, with room for the
    // several people one address may stand for.
    let per_user = state.config.connections_per_user;
    let (holder, max) = match &user {
        Some(user) => (format!("{} user {}", C::NAME, user.id), per_user),
        None => (
            format!(
                "{} client {}",
                C::NAME,
                ClientKey::of_request(&state.config.trusted_proxies, &request)
            ),
            per_user.saturating_mul(ANONYMOUS_PER_CLIENT),
        ),
    };
    let Some(slot) = state.channels.take_slot(holder, max) else {
        return refuse(AppError::RateLimited { retry_after: 10 });
    };
    let group = C::group(&params);
    // The framework's own groups (a session's end, a user's rights) are not the app's
    // to join: a member could send into them.
    if group.starts_with(super::RESERVED_PREFIX) {
        return refuse(AppError::Forbidden);
    }
    let membership = state.channels.join(&group);
    let hub = state.channels.clone();
    // A signed-in connection lasts as long as its session.
    let session_id = match user {
        Some(_) => signed_in_session(&session, &state).await,
        None => None,
    };
    let joined = Joined::<C> {
        user,
        params,
        group,
        state,
    };
    let connection = connection::Connection {
        joined,
        membership,
        hub,
        session_id,
        _slot: slot,
    };
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(C::LIMITS.max_message_bytes * 4)
        .max_frame_size(C::LIMITS.max_message_bytes * 4)
        .on_upgrade(move |socket| connection::serve(socket, connection))
}

/// An error answered over HTTP, before any upgrade.
fn refuse(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}
