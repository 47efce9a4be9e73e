-- When staff were told of a message (`app::jobs::NotifyStaff`); NULL: not yet.
ALTER TABLE contact_messages ADD COLUMN notified_at BIGINT;
