//! Sub-commands of the server binary (`server <command>`), like Django's `manage.py`.

pub mod cache;
pub mod createsuperuser;
