using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Search;

/// <summary>
/// Keeps SEARCH_LANGUAGE and the stored search vectors in agreement. The vectors are built by triggers with the
/// configuration in search_settings; queries use SEARCH_LANGUAGE. Start-up checks the two match: on a database
/// with nothing indexed yet it simply adopts the setting, otherwise it stops and asks for `search reindex`.
/// </summary>
public static class SearchLanguage
{
    private const string KnownSql = "SELECT cfgname FROM pg_ts_config ORDER BY cfgname";

    // Two statements, not one CASE: PostgreSQL resolves table names when it parses, so a query naming a
    // table that does not exist yet fails even in a branch that would never run.
    private const string MigratedSql = "SELECT to_regclass('search_settings') IS NOT NULL";

    private const string StoredSql = "SELECT cfg.cfgname FROM search_settings s JOIN pg_ts_config cfg ON cfg.oid = s.config";

    private const string AnythingIndexedSql = """
        SELECT EXISTS (SELECT 1 FROM tickets) OR EXISTS (SELECT 1 FROM comments) OR EXISTS (SELECT 1 FROM knowledge_base_articles)
        """;

    private const string AdoptSql = "UPDATE search_settings SET config = @Language::regconfig";

    // The updated_at triggers are off meanwhile, so re-indexing is not mistaken for an edit. The DDL takes
    // ACCESS EXCLUSIVE locks: writes (and reads) of these tables wait until the rebuild commits.
    private const string ReindexSql = """
        UPDATE search_settings SET config = @Language::regconfig;

        ALTER TABLE tickets DISABLE TRIGGER trg_tickets_updated_at;
        UPDATE tickets SET search_vector = ticket_search_vector(@Language::regconfig, title, description)
                                           || ticket_custom_fields_vector(@Language::regconfig, custom_fields);
        ALTER TABLE tickets ENABLE TRIGGER trg_tickets_updated_at;

        ALTER TABLE comments DISABLE TRIGGER trg_comments_updated_at;
        UPDATE comments SET search_vector = comment_search_vector(@Language::regconfig, content);
        ALTER TABLE comments ENABLE TRIGGER trg_comments_updated_at;

        -- view_count and updated_at are untouched here: its updated_at trigger only watches edited columns.
        UPDATE knowledge_base_articles SET search_vector = article_search_vector(@Language::regconfig, title, tags, content);
        """;

    /// <summary>Fails start-up when SEARCH_LANGUAGE is unknown to PostgreSQL or differs from the indexed one.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string language, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await RequireKnownAsync(connection, language, ct);

        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(MigratedSql, cancellationToken: ct)))
            return; // not migrated yet (MIGRATE_ON_STARTUP=false)
        var stored = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(StoredSql, cancellationToken: ct));
        if (stored is null || stored == language)
            return;

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE search_settings IN EXCLUSIVE MODE", transaction: transaction, cancellationToken: ct));
        var indexed = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(AnythingIndexedSql, transaction: transaction, cancellationToken: ct));
        if (indexed)
            throw new StartupException(
                $"SEARCH_LANGUAGE is '{language}' but the stored search vectors were built with '{stored}': run `supportdesk search reindex` "
                + $"with SEARCH_LANGUAGE={language} to rebuild them (locks tickets, comments and articles while it runs), or set SEARCH_LANGUAGE={stored}.");
        await connection.ExecuteAsync(new CommandDefinition(AdoptSql, new { Language = language }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    /// <summary>Rebuilds every stored vector with <paramref name="language"/> and records it, in one transaction.</summary>
    public static async Task ReindexAsync(NpgsqlDataSource dataSource, string language, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await RequireKnownAsync(connection, language, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(ReindexSql, new { Language = language }, transaction, commandTimeout: 0, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    private static async Task RequireKnownAsync(NpgsqlConnection connection, string language, CancellationToken ct)
    {
        var known = (await connection.QueryAsync<string>(new CommandDefinition(KnownSql, cancellationToken: ct))).AsList();
        if (!known.Contains(language))
            throw new StartupException($"SEARCH_LANGUAGE '{language}' is not a text search configuration of this PostgreSQL; choose one of: {string.Join(", ", known)}.");
    }
}
