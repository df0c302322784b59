using System.Security.Cryptography;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Infrastructure.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on a signed-in JSON <c>POST</c>: a client that retries after a timeout, a double click or a
/// second tab gets the first success replayed instead of a second ticket or comment. The key is the caller's own
/// (per user), the first request's fingerprint (method, path, query, body) must match, and only a 2xx answer is
/// remembered: a refusal or an error releases the key, so the same key can be tried again. Kept in the database so
/// every instance agrees; rows live <see cref="Retention"/>.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource, ILogger<IdempotencyKeys> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    /// <summary>How <c>errors</c> names the header (dictionary keys go through the snake_case policy).</summary>
    public const string ErrorField = "idempotency-key";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>A first attempt still unfinished after this long died with its instance; a retry may take the key over.</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(1);

    // Responses past this are not remembered (ours are small JSON); the key is released instead.
    private const int MaxStoredBody = 1 << 20;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(Header, out var values)
            || context.User.Identity?.IsAuthenticated != true || context.GetEndpoint() is null
            // Sign-in routes answer with tokens, which are never stored; uploads stream to disk and are not buffered twice.
            || context.Request.Path.StartsWithSegments("/auth")
            || context.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
        {
            await next(context);
            return;
        }

        var key = ValidKey(values);
        var user = context.User.ToCurrentUser();
        var hash = await FingerprintAsync(context.Request);
        var claim = Guid.CreateVersion7();

        for (var attempt = 0; ; attempt++)
        {
            if (await TryClaimAsync(user, key, hash, claim, context.RequestAborted))
                break;
            var stored = await FindAsync(user.Id, key, context.RequestAborted);
            // The first attempt failed and released the key in between: claim it again.
            if (stored is null && attempt < 3)
                continue;
            if (stored is null)
                throw new ConflictException("The Idempotency-Key is being released and claimed by other requests; retry shortly.");
            if (!stored.RequestHash.AsSpan().SequenceEqual(hash))
                throw new UnprocessableException(ErrorField, "This Idempotency-Key was already used for a different request; use a new key for a new request.");
            // A response computed for the caller's earlier role or reach is not shown to them after it changed.
            if (stored.Role != user.Role.ToDb() || stored.RestrictedToGroups != user.RestrictedToGroups)
                throw new FieldConflictException(ErrorField, "This Idempotency-Key was used before your access changed; use a new key.");
            if (stored.Status is null)
            {
                context.Response.OnStarting(static state => { ((HttpResponse)state).Headers.RetryAfter = "1"; return Task.CompletedTask; }, context.Response);
                throw new FieldConflictException(ErrorField, "A request with this Idempotency-Key is still being processed; retry shortly.");
            }
            await ReplayAsync(context.Response, stored);
            return;
        }

        await RunAndRememberAsync(context, next, user.Id, key, claim);
    }

    private async Task RunAndRememberAsync(HttpContext context, RequestDelegate next, Guid userId, string key, Guid claim)
    {
        var original = context.Response.Body;
        // The answer is held back until it is remembered: a client that has it and retries must get the replay.
        await using var buffer = new HoldingStream(original, MaxStoredBody);
        context.Response.Body = buffer;
        var remembered = false;
        try
        {
            await next(context);
            var response = context.Response;
            if (response.StatusCode is >= 200 and < 300 && !buffer.PassedThrough)
            {
                await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
                remembered = await connection.ExecuteAsync("""
                    UPDATE idempotency_keys
                    SET status = @Status, content_type = @ContentType, location = @Location, etag = @ETag, body = @Body
                    WHERE user_id = @UserId AND key = @Key AND claim = @Claim
                    """, new
                {
                    Status = response.StatusCode,
                    response.ContentType,
                    Location = response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                    ETag = response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
                    Body = buffer.Held,
                    UserId = userId,
                    Key = key,
                    Claim = claim,
                }) == 1;
            }
            context.Response.Body = original;
            await buffer.ReleaseToAsync(original, context.RequestAborted);
        }
        finally
        {
            context.Response.Body = original;
            if (!remembered)
                await ReleaseAsync(userId, key, claim);
        }
    }

    private async Task ReleaseAsync(Guid userId, string key, Guid claim)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync("DELETE FROM idempotency_keys WHERE user_id = @userId AND key = @key AND claim = @claim",
                new { userId, key, claim });
        }
        catch (NpgsqlException e)
        {
            // The claim then runs out after Abandoned, and a retry takes it over.
            logger.LogWarning("Could not release an idempotency key: {Message}", e.Message);
        }
    }

    private static string ValidKey(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxKeyLength } key || key.Any(c => c is < '!' or > '~'))
            throw new FieldValidationException(ErrorField,
                $"'{Header}' must be one value of 1 to {MaxKeyLength} visible ASCII characters (a UUID is a good key).");
        return key;
    }

    private async Task<bool> TryClaimAsync(CurrentUser user, string key, byte[] hash, Guid claim, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // A key whose first attempt was abandoned, or that outlived its retention before the cleanup came, is taken over.
        var holder = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("""
            INSERT INTO idempotency_keys AS k (user_id, key, request_hash, role, restricted_to_groups, claim)
            VALUES (@UserId, @Key, @Hash, @Role, @Restricted, @Claim)
            ON CONFLICT (user_id, key) DO UPDATE
                SET request_hash = EXCLUDED.request_hash, role = EXCLUDED.role, restricted_to_groups = EXCLUDED.restricted_to_groups,
                    claim = EXCLUDED.claim, locked_at = now(), created_at = now(),
                    status = NULL, content_type = NULL, location = NULL, etag = NULL, body = NULL
                WHERE (k.status IS NULL AND k.locked_at < now() - @Abandoned) OR k.created_at < now() - @Retention
            RETURNING claim
            """, new
        {
            UserId = user.Id,
            Key = key,
            Hash = hash,
            Role = user.Role.ToDb(),
            Restricted = user.RestrictedToGroups,
            Claim = claim,
            Abandoned,
            Retention,
        }, cancellationToken: ct));
        return holder == claim;
    }

    private async Task<StoredKey?> FindAsync(Guid userId, string key, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<StoredKey>(new CommandDefinition("""
            SELECT request_hash AS RequestHash, role AS Role, restricted_to_groups AS RestrictedToGroups, status AS Status,
                   content_type AS ContentType, location AS Location, etag AS ETag, body AS Body
            FROM idempotency_keys WHERE user_id = @userId AND key = @key
            """, new { userId, key }, cancellationToken: ct));
    }

    private static async Task ReplayAsync(HttpResponse response, StoredKey stored)
    {
        response.StatusCode = stored.Status!.Value;
        response.Headers[ReplayedHeader] = "true";
        if (stored.ContentType is not null)
            response.ContentType = stored.ContentType;
        if (stored.Location is not null)
            response.Headers.Location = stored.Location;
        if (stored.ETag is not null)
            response.Headers.ETag = stored.ETag;
        if (stored.Body is { Length: > 0 } body)
            await response.Body.WriteAsync(body);
    }

    /// <summary>Method, path, query and body: the same key with anything else is a different request.</summary>
    private static async Task<byte[]> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
            hash.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private sealed record StoredKey(byte[] RequestHash, string Role, bool RestrictedToGroups, int? Status, string? ContentType, string? Location, string? ETag, byte[]? Body);

    /// <summary>
    /// Holds the response body (up to a limit) instead of sending it; past the limit it sends what it held and
    /// passes the rest straight through, and that answer is then not remembered.
    /// </summary>
    private sealed class HoldingStream(Stream inner, int limit) : Stream
    {
        private readonly MemoryStream _held = new();
        public bool PassedThrough { get; private set; }
        public byte[] Held => _held.ToArray();

        public async Task ReleaseToAsync(Stream destination, CancellationToken ct)
        {
            if (PassedThrough || _held.Length == 0)
                return;
            _held.Position = 0;
            await _held.CopyToAsync(destination, ct);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) =>
            PassedThrough ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!PassedThrough && _held.Length + buffer.Length <= limit)
            {
                _held.Write(buffer.Span);
                return;
            }
            if (!PassedThrough)
            {
                PassedThrough = true;
                _held.Position = 0;
                await _held.CopyToAsync(inner, cancellationToken);
                _held.SetLength(0);
            }
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _held.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Deletes idempotency keys past their retention.</summary>
public sealed class IdempotencyKeysCleanup(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<IdempotencyKeysCleanup> logger)
    : Database.RetentionJob(dataSource, clock, logger)
{
    protected override string What => "expired idempotency keys";

    protected override TimeSpan Retention => IdempotencyKeys.Retention;

    protected override string DeleteBatchSql => $"""
        DELETE FROM idempotency_keys
        WHERE (user_id, key) IN (SELECT user_id, key FROM idempotency_keys WHERE created_at < @Cutoff LIMIT {BatchSize})
        """;
}

public static class IdempotencySetup
{
    public static IServiceCollection AddIdempotencyKeys(this IServiceCollection services)
    {
        services.AddSingleton<IdempotencyKeys>();
        services.AddSingleton<IdempotencyKeysCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyKeysCleanup>());
        return services;
    }

    /// <summary>After authorization: the key belongs to the signed-in caller.</summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app)
    {
        var keys = app.ApplicationServices.GetRequiredService<IdempotencyKeys>();
        return app.Use((context, next) => keys.InvokeAsync(context, next));
    }
}
