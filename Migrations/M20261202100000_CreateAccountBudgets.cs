using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Per-account attempt budgets shared by every instance (a counter per key and fixed window, taken with one atomic
/// upsert), and the addresses each account has signed in from, so a known client keeps a budget of its own.
/// </summary>
[Migration(20261202100000)]
public sealed class M20261202100000_CreateAccountBudgets : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE account_budgets (
            key             text        PRIMARY KEY,
            used            integer     NOT NULL,
            window_ends_at  timestamptz NOT NULL
        );

        CREATE INDEX ix_account_budgets_window_ends_at ON account_budgets (window_ends_at);

        CREATE TABLE known_sign_in_clients (
            user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            client        text        NOT NULL,
            last_seen_at  timestamptz NOT NULL,
            PRIMARY KEY (user_id, client)
        );

        CREATE INDEX ix_known_sign_in_clients_last_seen_at ON known_sign_in_clients (last_seen_at);
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS known_sign_in_clients; DROP TABLE IF EXISTS account_budgets;");
}
