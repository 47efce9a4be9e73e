//! The app's own tables, one module each: the row as a type (`sqlx::FromRow` on the
//! server) and its queries as methods, so that SQL lives here and nowhere else. They
//! answer `sqlx::Error`: `?` makes it an `AppError` in a server function (503 when the
//! database is unreachable) and keeps its detail in a job. Each table comes from a
//! migration in `migrations/`; the framework's tables (users, sessions, jobs) are
//! reached through `mizan`, e.g. `mizan::auth::users`.
// One module per table.{% if showcase %}
pub mod chat_message;
pub mod contact_message; // The showcase's tables.{% endif %}
