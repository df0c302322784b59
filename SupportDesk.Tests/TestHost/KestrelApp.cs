using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.TestHost;

/// <summary>
/// The real app on a real Kestrel port on 127.0.0.1 (WebSockets need a socket), over an already migrated test
/// database. Several can run over one database: that is how tests get "several instances".
/// </summary>
public sealed class KestrelApp : IAsyncDisposable
{
    private readonly SupportDeskFactory _factory;

    private KestrelApp(SupportDeskFactory factory, Uri baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public Uri WebSocketUri => new($"ws://{BaseAddress.Authority}/ws");
    public IServiceProvider Services => _factory.Services;

    public static Task<KestrelApp> StartAsync(string databaseUrl, IReadOnlyDictionary<string, string?>? overrides = null) => Task.Run(() =>
    {
        var settings = SupportDeskFactory.DefaultSettings(databaseUrl);
        settings["MIGRATE_ON_STARTUP"] = "false";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;
        var factory = new SupportDeskFactory(settings);
        factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelApp(factory, new Uri(address));
    });

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Publishes through this instance's RealtimeEvents inside a transaction that commits or rolls back.</summary>
    public Task PublishAsync(RealtimeEvent evt, bool commit = true) => PublishAsync(Services, evt, commit);

    public static async Task PublishAsync(IServiceProvider services, RealtimeEvent evt, bool commit = true)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var events = services.GetRequiredService<RealtimeEvents>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await events.PublishAsync(connection, transaction, evt, CancellationToken.None);
        if (commit)
            await transaction.CommitAsync();
        else
            await transaction.RollbackAsync();
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}

/// <summary>The shared Kestrel instance for the realtime tests, over the run's database.</summary>
public sealed class RealtimeServerFixture(AppFixture app) : IAsyncLifetime
{
    public KestrelApp Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await KestrelApp.StartAsync(app.Database.Url);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
