using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace SupportDesk.Tests.Infrastructure.Database;

/// <summary>
/// A second app over the run's database whose pool holds ONE connection, so the request after a failed one always
/// draws the connection the failure left behind. Owned by <see cref="ConnectionRecoveryTests"/> alone: nothing else
/// may use its connection between a failure and the check that follows it.
/// </summary>
public sealed class PoolOfOneFixture(AppFixture app) : IAsyncLifetime
{
    public SupportDeskFactory Factory { get; private set; } = null!;
    public NpgsqlDataSource DataSource => Factory.Services.GetRequiredService<NpgsqlDataSource>();

    public async ValueTask InitializeAsync()
    {
        var settings = SupportDeskFactory.DefaultSettings(app.Database.Url + "?Maximum%20Pool%20Size=1");
        // The run's fixture migrated already; the migrator would want a second connection from this pool.
        settings["MIGRATE_ON_STARTUP"] = "false";
        Factory = new SupportDeskFactory(settings);
        using (var client = Factory.CreateClient())
            (await client.GetAsync("/health")).EnsureSuccessStatusCode();

        // Test-only functions that raise any SQLSTATE: at execution (VOLATILE), or while PostgreSQL plans the statement
        // during Bind (IMMUTABLE with constant arguments is folded by the planner), the two places a server error can arise.
        await using var connection = await app.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION recovery_test_raise(code text) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                IF code <> '' THEN RAISE EXCEPTION 'raised by a connection recovery test' USING ERRCODE = code; END IF;
                RETURN 1;
            END $$;
            CREATE OR REPLACE FUNCTION recovery_test_raise_while_planning(code text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                IF code <> '' THEN RAISE EXCEPTION 'raised by a connection recovery test' USING ERRCODE = code; END IF;
                RETURN 1;
            END $$;
            CREATE OR REPLACE FUNCTION recovery_test_sleep_while_planning(seconds float8) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                PERFORM pg_sleep(seconds);
                RETURN 1;
            END $$;
            """);
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();

    public HttpClient ClientFor(TestUser user)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return client;
    }

    /// <summary>The backend process behind the pool's one connection: the same number means the same connection.</summary>
    public async Task<int> BackendProcessIdAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return connection.ProcessID;
    }

    /// <summary>
    /// A new physical connection, so each statement's next two runs are its first and (with auto-prepare) preparing
    /// runs: the failing run is then the one that would prepare it, the case that once left the connection out of step.
    /// </summary>
    public void FreshConnection() => DataSource.Clear();
}

/// <summary>
/// Any server error, in any handler shape, leaves the pooled connection usable for whoever draws it next.
/// Each case runs a statement that succeeds, the same statement with a value the server rejects, then the good one
/// again and asserts it succeeds on the same backend process.
/// </summary>
public sealed class ConnectionRecoveryTests(AppFixture app, PoolOfOneFixture pool) : IClassFixture<PoolOfOneFixture>
{
    /// <summary>One statement returning one row: with a <see cref="Good"/> value it succeeds, with <see cref="Bad"/> the server answers <see cref="SqlState"/>.</summary>
    public sealed record ServerError(string SqlState, string Sql, Func<object> Good, object Bad, string? Setup = null, bool CancelsClientSide = false);

    private const string StatementTimeout = "SET LOCAL statement_timeout = '300ms'";

    // @Id is a user the case owns; @Value is the good or the bad value.
    private static readonly Dictionary<string, Func<TestUser, ServerError>> ServerErrors = new()
    {
        ["22021 NUL in text"] = u => new("22021", "UPDATE users SET first_name = @Value WHERE id = @Id RETURNING id", () => "Ann", "a\0b"),
        ["22P02 invalid text representation"] = u => new("22P02", "SELECT count(*) FROM tickets WHERE requester_id = @Value::uuid", () => u.Id.ToString(), "not-a-uuid"),
        ["23505 unique violation"] = u => new("23505",
            "INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (gen_random_uuid(), @Value, 'x', 'T', 'T', 'customer') RETURNING id",
            () => AppFixture.UniqueEmail("recovery"), u.Email),
        ["23503 foreign key violation"] = u => new("23503",
            "INSERT INTO tickets (id, title, description, requester_id, created_by) VALUES (gen_random_uuid(), 't', 'd', @Value, @Value) RETURNING id",
            () => u.Id, Guid.NewGuid()),
        ["23514 check violation"] = u => new("23514", "UPDATE users SET last_name = @Value WHERE id = @Id RETURNING id", () => "Lee", ""),
        ["40001 serialization failure"] = u => new("40001", "SELECT recovery_test_raise(@Value)", () => "", "40001"),
        ["40P01 deadlock"] = u => new("40P01", "SELECT recovery_test_raise(@Value)", () => "", "40P01"),
        ["40001 raised while planning"] = u => new("40001", "SELECT recovery_test_raise_while_planning(@Value)", () => "", "40001"),
        ["57014 statement timeout"] = u => new("57014", "SELECT pg_sleep(@Value)::text", () => 0.0, 30.0, StatementTimeout),
        ["57014 statement timeout while planning"] = u => new("57014", "SELECT recovery_test_sleep_while_planning(@Value)", () => 0.0, 30.0, StatementTimeout),
        ["57014 request cancelled mid-query"] = u => new("57014", "SELECT pg_sleep(@Value)::text", () => 0.0, 30.0, CancelsClientSide: true),
    };

    private delegate Task Shape(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct);

    // The Dapper call shapes the handlers use.
    private static readonly Dictionary<string, Shape> Shapes = new()
    {
        ["single query"] = SingleQueryAsync,
        ["query then write in a transaction"] = QueryThenWriteAsync,
        ["multi-statement QueryMultiple"] = MultipleResultsAsync,
        ["prepared statement"] = PreparedAsync,
        ["QueryFirst of a multi-row, multi-statement command"] = HalfReadAsync,
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var shape in Shapes.Keys)
            foreach (var error in ServerErrors.Keys)
                cases.Add(shape, error);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task After_a_server_error_the_same_pooled_connection_serves_the_next_command(string shapeName, string errorName)
    {
        var user = await app.CreateUserAsync("customer");
        var error = ServerErrors[errorName](user);
        var shape = Shapes[shapeName];
        pool.FreshConnection();
        var backend = await pool.BackendProcessIdAsync();

        await shape(pool.DataSource, error, error.Good(), user, CancellationToken.None);

        using var cancel = new CancellationTokenSource();
        if (error.CancelsClientSide)
            cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var failure = await Record.ExceptionAsync(() => shape(pool.DataSource, error, error.Bad, user, cancel.Token));
        Assert.Equal(error.SqlState, SqlStateOf(failure));
        if (error.CancelsClientSide)
            Assert.IsAssignableFrom<OperationCanceledException>(failure);

        await shape(pool.DataSource, error, error.Good(), user, CancellationToken.None);
        Assert.Equal(backend, await pool.BackendProcessIdAsync());
    }

    [Fact]
    public async Task A_patch_the_database_rejects_leaves_the_connection_usable_for_the_next_patch()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = pool.ClientFor(admin);
        pool.FreshConnection();
        var backend = await pool.BackendProcessIdAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/users/{admin.Id}", new { first_name = "Ann" })).StatusCode);
        // Straight to the database: PostgreSQL refuses NUL in text (22021), a client error.
        var rejected = await client.PatchAsync($"/users/{admin.Id}", JsonBody("""{"first_name":"a\u0000b"}"""));
        var next = await client.PatchAsJsonAsync($"/users/{admin.Id}", new { first_name = "Bea" });

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.OK), (rejected.StatusCode, next.StatusCode));
        Assert.Equal(backend, await pool.BackendProcessIdAsync());
    }

    [Fact]
    public async Task A_duplicate_registration_leaves_the_connection_usable_for_the_next_one()
    {
        using var client = pool.Factory.CreateClient();
        pool.FreshConnection();
        var backend = await pool.BackendProcessIdAsync();
        var email = AppFixture.UniqueEmail("dup");

        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(client, email)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await RegisterAsync(client, email)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(client, AppFixture.UniqueEmail("dup"))).StatusCode);
        Assert.Equal(backend, await pool.BackendProcessIdAsync());
    }

    [Fact]
    public async Task A_request_the_client_abandons_mid_query_leaves_the_connection_usable()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = pool.ClientFor(admin);
        pool.FreshConnection();
        var backend = await pool.BackendProcessIdAsync();

        // Another session holds the user's row, so the PATCH waits inside its query until the client gives up.
        await using (var holder = await app.OpenConnectionAsync())
        await using (var hold = await holder.BeginTransactionAsync())
        {
            await holder.ExecuteAsync("SELECT 1 FROM users WHERE id = @Id FOR UPDATE", new { admin.Id }, hold);
            using var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => client.PatchAsJsonAsync($"/users/{admin.Id}", new { first_name = "Gone" }, abandon.Token));
            await WaitUntilNotWaitingOnLockAsync(holder, admin.Id);
        }

        var next = await client.PatchAsJsonAsync($"/users/{admin.Id}", new { first_name = "Back" });
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(backend, await pool.BackendProcessIdAsync());
    }

    private static async Task SingleQueryAsync(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // A statement timeout can only be scoped to one statement inside a transaction (SET LOCAL).
        await using var transaction = error.Setup is null ? null : await connection.BeginTransactionAsync(ct);
        if (error.Setup is not null)
            await connection.ExecuteAsync(new CommandDefinition(error.Setup, transaction: transaction, cancellationToken: ct));
        await connection.QuerySingleAsync<object>(new CommandDefinition(error.Sql, Parameters(value, user), transaction, cancellationToken: ct));
        if (transaction is not null)
            await transaction.CommitAsync(ct);
    }

    private static async Task QueryThenWriteAsync(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.QuerySingleAsync<Guid>(new CommandDefinition(
            "SELECT id FROM users WHERE id = @Id FOR UPDATE", new { user.Id }, transaction, cancellationToken: ct));
        if (error.Setup is not null)
            await connection.ExecuteAsync(new CommandDefinition(error.Setup, transaction: transaction, cancellationToken: ct));
        await connection.QuerySingleAsync<object>(new CommandDefinition(error.Sql, Parameters(value, user), transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    private static async Task MultipleResultsAsync(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = error.Setup is null ? null : await connection.BeginTransactionAsync(ct);
        var sql = $"{error.Setup}{(error.Setup is null ? "" : ";")} SELECT count(*) FROM users WHERE id = @Id; {error.Sql}; SELECT 1";
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, Parameters(value, user), transaction, cancellationToken: ct)))
        {
            await results.ReadSingleAsync<long>();
            await results.ReadSingleAsync<object>();
            await results.ReadSingleAsync<int>();
        }
        if (transaction is not null)
            await transaction.CommitAsync(ct);
    }

    // Reads one row of the first result only; Npgsql must still drain the other rows and the failing second statement.
    private static async Task HalfReadAsync(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = error.Setup is null ? null : await connection.BeginTransactionAsync(ct);
        var sql = $"{error.Setup}{(error.Setup is null ? "" : ";")} SELECT g FROM generate_series(1, 500) g; {error.Sql}";
        await connection.QueryFirstAsync<int>(new CommandDefinition(sql, Parameters(value, user), transaction, cancellationToken: ct));
        if (transaction is not null)
            await transaction.CommitAsync(ct);
    }

    private static async Task PreparedAsync(NpgsqlDataSource dataSource, ServerError error, object value, TestUser user, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = error.Setup is null ? null : await connection.BeginTransactionAsync(ct);
        if (error.Setup is not null)
            await connection.ExecuteAsync(new CommandDefinition(error.Setup, transaction: transaction, cancellationToken: ct));
        await using var command = new NpgsqlCommand(error.Sql, connection, transaction);
        command.Parameters.AddWithValue("Value", value);
        if (error.Sql.Contains("@Id", StringComparison.Ordinal))
            command.Parameters.AddWithValue("Id", user.Id);
        await command.PrepareAsync(ct);
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) { }
        if (transaction is not null)
            await transaction.CommitAsync(ct);
    }

    private static object Parameters(object value, TestUser user) => new { Value = value, user.Id };

    private static string? SqlStateOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is PostgresException pg)
                return pg.SqlState;
        return null;
    }

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string email) =>
        client.PostAsJsonAsync("/auth/register", new { email, password = "correct horse battery", first_name = "Dup", last_name = "Licate" });

    private static StringContent JsonBody(string json) => new(json, new MediaTypeHeaderValue("application/json"));

    // The abandoned PATCH's query is cancelled on the server; wait until it no longer waits for the lock we hold.
    private static async Task WaitUntilNotWaitingOnLockAsync(NpgsqlConnection holder, Guid userId)
    {
        for (var i = 0; i < 100; i++)
        {
            var waiting = await holder.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM users WHERE id = $1 FOR UPDATE%' AND datname = current_database()");
            if (waiting == 0)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"The abandoned PATCH for {userId} still waits on the row lock.");
    }
}
