"""What every part of the product stands on: mail and its outbox, background jobs, the audit
log, staff users, API tokens, the cells of exported spreadsheets."""
