using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Search;

public static class SearchTransaction
{
    private const string SetupSql = """
        SET LOCAL plan_cache_mode = force_custom_plan;
        SET LOCAL statement_timeout = 10000;
        SET LOCAL jit = off;
        """;

    /// <summary>
    /// A read-only transaction for one search. Plans are made for each query's own words: a cached generic plan
    /// cannot know whether a term matches ten rows or half the table, and picks badly for one of them. No JIT: for a
    /// scan estimated above jit_above_cost, compiling expressions took longer than the query itself (bench/README.md).
    /// </summary>
    public static async Task<NpgsqlTransaction> BeginSearchAsync(this NpgsqlConnection connection, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        await connection.ExecuteAsync(new CommandDefinition(SetupSql, transaction: transaction, cancellationToken: ct));
        return transaction;
    }
}
