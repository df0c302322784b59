using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace SupportDesk.Tests.TestHost;

/// <summary>One message as the server received it: envelope, parsed MIME message, who authenticated (if anyone), and whether over TLS.</summary>
public sealed record ReceivedEmail(string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, MimeMessage Message, string? AuthenticatedUser, bool OverTls = false);

/// <summary>A real SMTP server (the SmtpServer library) in the test process, on 127.0.0.1, collecting what it receives.</summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedEmail> _received = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _authAttempts;

    /// <param name="certificate">Offers STARTTLS with it (AUTH only after it), or with <paramref name="implicitTls"/> speaks TLS from the first byte.</param>
    private SmtpTestServer(int port, (string User, string Password)? requiredLogin, X509Certificate2? certificate, bool implicitTls)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.test")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, port));
                if (certificate is not null)
                    e.Certificate(certificate).IsSecure(implicitTls);
                if (requiredLogin is not null)
                    e.AuthenticationRequired(true).AllowUnsecureAuthentication(certificate is null);
            })
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        if (requiredLogin is { } login)
            services.Add(new DelegatingUserAuthenticator((user, password) =>
            {
                Interlocked.Increment(ref _authAttempts);
                return user == login.User && password == login.Password;
            }));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyList<ReceivedEmail> Received => _received.ToArray();

    /// <summary>AUTH commands the server saw, accepted or not.</summary>
    public int AuthAttempts => Volatile.Read(ref _authAttempts);

    /// <summary>Starts listening on the given port (say, one a sender already points at) or on a free one.</summary>
    public static async Task<SmtpTestServer> StartAsync(int? port = null, (string User, string Password)? requiredLogin = null,
        X509Certificate2? certificate = null, bool implicitTls = false)
    {
        var server = new SmtpTestServer(port ?? FreePort(), requiredLogin, certificate, implicitTls);
        // Listening starts asynchronously; wait until the port answers.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException($"SMTP test server did not start on port {server.Port}");
    }

    /// <summary>A loopback port nothing listens on right now (for "SMTP is down" until a server is started on it).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public IReadOnlyList<ReceivedEmail> To(string address) =>
        _received.Where(r => r.EnvelopeTo.Contains(address, StringComparer.OrdinalIgnoreCase)).ToArray();

    /// <summary>Waits until at least <paramref name="count"/> messages for the address arrived; returns all of them.</summary>
    public async Task<IReadOnlyList<ReceivedEmail>> WaitForAsync(string address, int count = 1, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            var got = To(address);
            if (got.Count >= count)
                return got;
            await Task.Delay(25);
        }
        var final = To(address);
        Assert.Fail($"expected {count} message(s) to {address} within {timeoutSeconds}s, got {final.Count}");
        return final;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _server.Shutdown();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Stopping is all we wanted.
        }
        _stop.Dispose();
    }

    private sealed class Store(SmtpTestServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            owner._received.Enqueue(new ReceivedEmail(
                $"{transaction.From.User}@{transaction.From.Host}",
                transaction.To.Select(m => $"{m.User}@{m.Host}").ToArray(),
                message,
                context.Authentication.IsAuthenticated ? context.Authentication.User : null,
                context.Pipe.IsSecure));
            return SmtpResponse.Ok;
        }
    }
}
