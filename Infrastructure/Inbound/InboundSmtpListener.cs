using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>
/// The SMTP listener (off unless INBOUND_SMTP_PORT is set), for a mail server or relay that forwards support mail here.
/// RCPT for an address that is not ours is 550; SIZE is announced and a message over INBOUND_MAX_MESSAGE_MB is 552;
/// STARTTLS is offered with INBOUND_SMTP_CERT_PATH. 250 comes only after the raw message is committed (the store).
/// </summary>
public sealed class InboundSmtpListener(AppSettings settings, InboundStore store, ILogger<InboundSmtpListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the port is bound (tests and the bench wait for it).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inbound = settings.Inbound;
        if (inbound.SmtpPort == 0)
        {
            _listening.TrySetResult();
            return;
        }

        X509Certificate2? certificate = null;
        if (inbound.SmtpCertPath is { } path)
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, inbound.SmtpCertPassword);
        var options = new SmtpServerOptionsBuilder()
            .ServerName(System.Net.Dns.GetHostName())
            .MaxMessageSize(inbound.MaxMessageBytes, MaxMessageSizeHandling.Strict)
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Parse(inbound.SmtpBind), inbound.SmtpPort));
                if (certificate is not null)
                    e.Certificate(certificate);
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(store, logger));
        services.Add(new RecipientFilter(inbound));
        var server = new SmtpServer.SmtpServer(options, services);
        var running = server.StartAsync(stoppingToken);
        logger.LogInformation("Inbound SMTP listening on {Bind}:{Port} (STARTTLS {Tls})", inbound.SmtpBind, inbound.SmtpPort, certificate is null ? "off" : "on");
        await WaitBoundAsync(inbound, stoppingToken);
        _listening.TrySetResult();
        try
        {
            await running;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static async Task WaitBoundAsync(InboundSettings inbound, CancellationToken ct)
    {
        var address = IPAddress.Parse(inbound.SmtpBind);
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        for (var i = 0; i < 200 && !ct.IsCancellationRequested; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(address, inbound.SmtpPort, ct);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(25, ct);
            }
        }
    }

    private sealed class RecipientFilter(InboundSettings inbound) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken ct) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken ct) =>
            Task.FromResult(inbound.Accepts($"{to.User}@{to.Host}"));
    }

    private sealed class Store(InboundStore store, ILogger logger) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var envelopeFrom = transaction.From is { } from && !string.IsNullOrEmpty(from.User) ? $"{from.User}@{from.Host}" : "";
            // Every RCPT that got this far is ours (the filter refused the others); the first one routes the ticket.
            var recipient = transaction.To.Select(to => $"{to.User}@{to.Host}").FirstOrDefault();
            try
            {
                return await store.StoreAsync(buffer.ToArray(), "smtp", envelopeFrom, recipient, cancellationToken) switch
                {
                    InboundStoreOutcome.TooLarge => SmtpResponse.SizeLimitExceeded,
                    _ => SmtpResponse.Ok,
                };
            }
            // Not stored: a temporary failure, so the sending server keeps the message and tries again later.
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Inbound SMTP message could not be stored; answered 451");
                return new SmtpResponse(SmtpReplyCode.Error, "Temporarily unable to store the message, try again later");
            }
        }
    }
}
