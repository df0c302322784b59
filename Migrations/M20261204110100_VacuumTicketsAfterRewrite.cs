using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Adding tickets.solved_at (the migration before) rewrites the table, which empties its visibility map, and a rewrite
/// leaves no dead rows for autovacuum to notice. Until a vacuum runs, every index-only scan visits the heap again: the
/// list's count was ten times slower on a 100,000-ticket database right after the upgrade (bench/README.md, the read
/// path). VACUUM cannot run in a transaction, hence this migration's own behaviour.
/// </summary>
[Migration(20261204110100, TransactionBehavior.None)]
public sealed class M20261204110100_VacuumTicketsAfterRewrite : Migration
{
    public override void Up() => Execute.Sql("VACUUM (ANALYZE) tickets;");

    // Nothing to undo: a vacuum changes no data.
    public override void Down()
    {
    }
}
