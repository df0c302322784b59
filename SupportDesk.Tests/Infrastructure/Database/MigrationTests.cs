using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Tests.Infrastructure.Database;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrations_apply_on_a_fresh_database_roll_back_and_apply_again()
    {
        await using var database = await TestDatabase.CreateAsync("sd_migrate");
        await using var connection = new NpgsqlConnection(database.ConnectionString);

        MigrationRunner.MigrateUp(database.ConnectionString);
        Assert.True(await TableExistsAsync(connection, "users"));
        var applied = MigrationRunner.AppliedVersions(database.ConnectionString);
        Assert.Contains(20261125120100L, applied);
        Assert.False(MigrationRunner.HasPendingMigrations(database.ConnectionString));

        // The updated_at trigger works on the users table.
        var id = Guid.CreateVersion7();
        await connection.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role, updated_at) VALUES (@id, 'm@example.test', 'x', 'M', 'T', 'customer', now() - interval '1 day')", new { id });
        await connection.ExecuteAsync("UPDATE users SET first_name = 'N' WHERE id = @id", new { id });
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT updated_at > now() - interval '1 minute' FROM users WHERE id = @id", new { id }));

        // Emails are unique whatever their case.
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, 'M@EXAMPLE.TEST', 'x', 'M', 'T', 'customer')", new { id = Guid.CreateVersion7() }));
        Assert.Equal(PostgresErrors.UniqueViolation, duplicate.SqlState);

        MigrationRunner.MigrateDown(database.ConnectionString, 0);
        Assert.False(await TableExistsAsync(connection, "users"));
        Assert.True(MigrationRunner.HasPendingMigrations(database.ConnectionString));

        MigrationRunner.MigrateUp(database.ConnectionString);
        Assert.True(await TableExistsAsync(connection, "users"));
    }

    [Fact]
    public async Task Two_runners_at_once_do_not_collide()
    {
        await using var database = await TestDatabase.CreateAsync("sd_migrate");
        await Task.WhenAll(
            Task.Run(() => MigrationRunner.MigrateUp(database.ConnectionString)),
            Task.Run(() => MigrationRunner.MigrateUp(database.ConnectionString)));
        Assert.False(MigrationRunner.HasPendingMigrations(database.ConnectionString));
    }

    [Fact]
    public void Create_writes_a_timestamped_migration_class()
    {
        var dir = Directory.CreateTempSubdirectory("sd-migrations").FullName;
        try
        {
            var path = MigrationScaffolder.Create("add ticket tags", dir, new DateTime(2026, 12, 1, 9, 30, 15, DateTimeKind.Utc));

            Assert.Equal(Path.Combine(dir, "M20261201093015_AddTicketTags.cs"), path);
            var text = File.ReadAllText(path);
            Assert.Contains("[Migration(20261201093015)]", text);
            Assert.Contains("public sealed class M20261201093015_AddTicketTags : Migration", text);
            Assert.Throws<IOException>(() => MigrationScaffolder.Create("add ticket tags", dir, new DateTime(2026, 12, 1, 9, 30, 15, DateTimeKind.Utc)));
            Assert.Throws<ArgumentException>(() => MigrationScaffolder.Create("!!!", dir, DateTime.UtcNow));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task<bool> TableExistsAsync(NpgsqlConnection connection, string table) =>
        connection.ExecuteScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table });
}
