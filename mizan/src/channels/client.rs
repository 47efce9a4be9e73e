//! The browser side of a channel: a handle of signals over a WebSocket that reconnects.

use leptos::prelude::*;
use serde_json::Value;

use super::Channel;
use crate::error::AppError;
use crate::url::encode_query_value;

/// Where a channel's connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening (the first time, or after the params changed).
    Connecting,
    /// Open: messages flow.
    Open,
    /// Lost; the next attempt starts in `in_ms` milliseconds.
    Reconnecting {
        /// How many attempts have failed in a row.
        attempt: u32,
        /// The wait before the next one.
        in_ms: u32,
    },
    /// The server refused these params (401, 403, 400): no more attempts.
    Refused(AppError),
}

// What the browser module uses; the server build has no browser to use it.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
/// How many received messages a handle keeps (the oldest go first).
pub const KEEP_MESSAGES: usize = 200;

/// One channel connection in a component. Cheap to copy.
pub struct ChannelHandle<C: Channel> {
    messages: RwSignal<Vec<C::Outgoing>>,
    state: RwSignal<ConnectionState>,
    error: RwSignal<Option<AppError>>,
    socket: StoredValue<Option<browser::Live>, browser::Storage>,
    /// Bumped when the params change or the component goes: older timers stand down.
    generation: StoredValue<u64>,
}

impl<C: Channel> Clone for ChannelHandle<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: Channel> Copy for ChannelHandle<C> {}

impl<C: Channel> ChannelHandle<C> {
    /// The messages received since the connection (or the params) started, oldest first.
    pub fn messages(&self) -> Signal<Vec<C::Outgoing>> {
        self.messages.into()
    }

    /// The connection's state.
    pub fn state(&self) -> Signal<ConnectionState> {
        self.state.into()
    }

    /// The last error frame the server sent this client (a refused message), if any.
    pub fn error(&self) -> Signal<Option<AppError>> {
        self.error.into()
    }

    /// Sends `message` if the connection is open; returns whether it was sent.
    pub fn send(&self, message: &C::Incoming) -> bool {
        let Ok(text) = serde_json::to_string(message) else {
            return false;
        };
        self.socket
            .with_value(|live| live.as_ref().is_some_and(|live| live.send(&text)))
    }

    /// Forgets the received messages (e.g. once they are shown from elsewhere).
    pub fn clear(&self) {
        self.messages.set(Vec::new());
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn receive(&self, frame: &str) {
        let Ok(value) = serde_json::from_str::<Value>(frame) else {
            return;
        };
        if value.get("error").is_some() {
            if let Ok(error) = serde_json::from_value::<AppError>(value) {
                self.error.set(Some(error));
            }
            return;
        }
        if let Ok(message) = serde_json::from_value::<C::Outgoing>(value) {
            self.messages.update(|messages| {
                messages.push(message);
                let excess = messages.len().saturating_sub(KEEP_MESSAGES);
                messages.drain(..excess);
            });
        }
    }
}

/// Connects to channel `C` with `params` (again whenever they change), from the browser
/// only: during SSR nothing is opened. The connection closes with the component.
pub fn use_channel<C: Channel>(params: Signal<C::Params>) -> ChannelHandle<C> {
    let handle = ChannelHandle::<C> {
        messages: RwSignal::new(Vec::new()),
        state: RwSignal::new(ConnectionState::Connecting),
        error: RwSignal::new(None),
        socket: StoredValue::new_with_storage(None),
        generation: StoredValue::new(0),
    };
    // Effects run in the browser only.
    Effect::new(move |_| {
        let params = params.get();
        handle.generation.update_value(|g| *g += 1);
        // A new room (or whatever the params name) starts with a clean slate.
        handle.messages.set(Vec::new());
        handle.error.set(None);
        browser::connect(handle, params, 0);
    });
    on_cleanup(move || {
        handle.generation.update_value(|g| *g += 1);
        handle.socket.update_value(|live| {
            if let Some(live) = live.take() {
                live.close();
            }
        });
    });
    handle
}

/// The wait before reconnection attempt `attempt` (1, 2, …): 0.5 s doubling to 10 s.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn backoff_ms(attempt: u32) -> u32 {
    500u32
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(10_000)
}

/// `params` as a query string (`room=lobby`), from their JSON form.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn query_of<P: serde::Serialize>(params: &P) -> String {
    let Ok(Value::Object(fields)) = serde_json::to_value(params) else {
        return String::new();
    };
    fields
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                encode_query_value(name),
                encode_query_value(&value)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The real WebSocket, in the browser.

    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

    use super::{ChannelHandle, ConnectionState, backoff_ms, query_of};
    use crate::channels::Channel;
    use crate::error::AppError;

    /// Browser objects stay on the thread that made them.
    pub type Storage = LocalStorage;

    /// An open (or opening) socket and the handlers it calls.
    pub struct Live {
        socket: WebSocket,
        closing: Rc<Cell<bool>>,
        _on_open: Closure<dyn FnMut(Event)>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut(CloseEvent)>,
    }

    impl Live {
        pub fn send(&self, text: &str) -> bool {
            self.socket.ready_state() == WebSocket::OPEN && self.socket.send_with_str(text).is_ok()
        }

        /// Closes the socket. Its handlers are detached first: they are dropped with
        /// `self`, and the browser would otherwise still call them as the socket closes.
        pub fn close(self) {
            self.closing.set(true);
            self.socket.set_onopen(None);
            self.socket.set_onmessage(None);
            self.socket.set_onclose(None);
            let _ = self.socket.close();
        }
    }

    fn path_of<C: Channel>(params: &C::Params) -> String {
        format!("/ws/{}?{}", C::NAME, query_of(params))
    }

    fn socket_url(path: &str) -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}{path}", location.host().ok()?))
    }

    pub fn connect<C: Channel>(handle: ChannelHandle<C>, params: C::Params, attempt: u32) {
        let generation = handle.generation.get_value();
        handle.socket.update_value(|live| {
            if let Some(live) = live.take() {
                live.close();
            }
        });
        if attempt == 0 {
            handle.state.set(ConnectionState::Connecting);
        }
        let path = path_of::<C>(&params);
        let Some(socket) = socket_url(&path).and_then(|url| WebSocket::new(&url).ok()) else {
            retry(handle, params, attempt + 1, generation);
            return;
        };
        let opened = Rc::new(Cell::new(false));
        let closing = Rc::new(Cell::new(false));

        let on_open = Closure::<dyn FnMut(Event)>::new({
            let opened = opened.clone();
            move |_| {
                opened.set(true);
                handle.state.set(ConnectionState::Open);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                handle.receive(&text);
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
            let (opened, closing) = (opened.clone(), closing.clone());
            move |_| {
                if closing.get() || handle.generation.get_value() != generation {
                    return;
                }
                if opened.get() {
                    retry(handle, params.clone(), 1, generation);
                } else {
                    refused_or_retry(handle, params.clone(), attempt + 1, generation);
                }
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        handle.socket.set_value(Some(Live {
            socket,
            closing,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        }));
    }

    fn retry<C: Channel>(
        handle: ChannelHandle<C>,
        params: C::Params,
        attempt: u32,
        generation: u64,
    ) {
        let in_ms = backoff_ms(attempt);
        handle
            .state
            .set(ConnectionState::Reconnecting { attempt, in_ms });
        set_timeout(
            move || {
                if handle.generation.get_value() == generation {
                    connect(handle, params, attempt);
                }
            },
            Duration::from_millis(u64::from(in_ms)),
        );
    }

    /// A socket that closed before it opened: asks the same URL over plain HTTP, which
    /// answers the refusal (401, 403, 400) the handshake could not show.
    fn refused_or_retry<C: Channel>(
        handle: ChannelHandle<C>,
        params: C::Params,
        attempt: u32,
        generation: u64,
    ) {
        let path = path_of::<C>(&params);
        leptos::task::spawn_local(async move {
            match refusal(&path).await {
                Some(error) => handle.state.set(ConnectionState::Refused(error)),
                None => retry(handle, params, attempt, generation),
            }
        });
    }

    async fn refusal(path: &str) -> Option<AppError> {
        let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(path))
            .await
            .ok()?
            .dyn_into::<web_sys::Response>()
            .ok()?;
        if !matches!(response.status(), 400 | 401 | 403 | 404) {
            return None;
        }
        let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    //! On the server there is no browser: nothing connects.

    use super::ChannelHandle;
    use crate::channels::Channel;

    /// The server renders on many threads: nothing here may be thread-bound.
    pub type Storage = leptos::prelude::SyncStorage;

    /// Never made on the server.
    pub struct Live;

    impl Live {
        pub fn send(&self, _text: &str) -> bool {
            false
        }

        pub fn close(self) {}
    }

    pub fn connect<C: Channel>(_handle: ChannelHandle<C>, _params: C::Params, _attempt: u32) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_to_ten() {
        let waits: Vec<u32> = (1..=8).map(backoff_ms).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    }

    #[test]
    fn params_become_an_encoded_query() {
        #[derive(serde::Serialize)]
        struct Params {
            room: String,
            page: u32,
        }
        let query = query_of(&Params {
            room: "café & co".into(),
            page: 2,
        });
        assert_eq!(query, "page=2&room=caf%C3%A9%20%26%20co");
    }
}
