using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>
/// Fetches the mailboxes of INBOUND_IMAP_URL, each in a loop of its own (one slow or broken mailbox holds up no other).
/// A message is stored first and only then given the <see cref="StoredKeyword"/> keyword (and \Seen), so a crash between
/// the two fetches it again and the store's dedup makes that harmless. A message over INBOUND_MAX_MESSAGE_MB is never
/// downloaded: its size is read first and it stays in the mailbox. Waits with IDLE where the server offers it, else polls.
/// </summary>
public sealed class InboundImapPoller(AppSettings settings, InboundStore store, ILogger<InboundImapPoller> logger) : BackgroundService
{
    /// <summary>The keyword a stored message gets; messages without it are fetched.</summary>
    public const string StoredKeyword = "$SupportDeskStored";

    // Servers end an IDLE after 30 minutes (RFC 2177); renewing it well before keeps the connection alive.
    private static readonly TimeSpan IdleRenewal = TimeSpan.FromMinutes(9);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Inbound.ImapUrls.Count == 0)
            return;
        await Task.Yield();
        await Task.WhenAll(settings.Inbound.ImapUrls.Select(url => RunAsync(url, stoppingToken)));
    }

    private async Task RunAsync(Uri url, CancellationToken ct)
    {
        var name = $"{url.Scheme}://{url.Host}:{url.Port}{url.AbsolutePath}"; // never the password
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(url, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                logger.LogWarning("IMAP mailbox {Mailbox} failed ({Error}); trying again", name, $"{e.GetType().Name}: {e.Message}");
            }
            try
            {
                var delay = TimeSpan.FromSeconds(Math.Min(settings.Inbound.ImapPollInterval.TotalSeconds, Math.Pow(2, Math.Min(failures, 8))));
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SessionAsync(Uri url, CancellationToken ct)
    {
        using var client = new ImapClient();
        var security = url.Scheme == "imaps" ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
        var port = url.IsDefaultPort || url.Port <= 0 ? (url.Scheme == "imaps" ? 993 : 143) : url.Port;
        await client.ConnectAsync(url.Host, port, security, ct);
        var userInfo = url.UserInfo.Split(':', 2);
        await client.AuthenticateAsync(Uri.UnescapeDataString(userInfo[0]), userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "", ct);
        var path = Uri.UnescapeDataString(url.AbsolutePath.Trim('/'));
        var folder = path.Length == 0 || path.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(path, ct);
        await folder.OpenAsync(FolderAccess.ReadWrite, ct);

        while (!ct.IsCancellationRequested)
        {
            await FetchNewAsync(folder, ct);
            if (client.Capabilities.HasFlag(ImapCapabilities.Idle))
            {
                using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
                done.CancelAfter(IdleRenewal);
                void Arrived(object? sender, EventArgs e) => done.Cancel();
                folder.CountChanged += Arrived;
                try
                {
                    await client.IdleAsync(done.Token, ct);
                }
                finally
                {
                    folder.CountChanged -= Arrived;
                }
            }
            else
            {
                await Task.Delay(settings.Inbound.ImapPollInterval, ct);
                await client.NoOpAsync(ct);
            }
        }
    }

    private async Task FetchNewAsync(IMailFolder folder, CancellationToken ct)
    {
        var uids = await folder.SearchAsync(SearchQuery.Not(SearchQuery.HasKeyword(StoredKeyword)).And(SearchQuery.NotDeleted), ct);
        if (uids.Count == 0)
            return;
        var summaries = await folder.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct);
        foreach (var summary in summaries)
        {
            if (summary.Size is { } size && size > settings.Inbound.MaxMessageBytes)
            {
                logger.LogWarning("IMAP message {Uid} is {Size} bytes, over INBOUND_MAX_MESSAGE_MB; left in the mailbox", summary.UniqueId, size);
                continue;
            }
            using var raw = new MemoryStream();
            await using (var stream = await folder.GetStreamAsync(summary.UniqueId, "", ct))
                await stream.CopyToAsync(raw, ct);
            await store.StoreAsync(raw.ToArray(), "imap", envelopeFrom: null, recipient: null, ct);
            // Only now: a message is marked once it is safely stored (a duplicate is stored already).
            await folder.StoreAsync(summary.UniqueId, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen, [StoredKeyword]) { Silent = true }, ct);
        }
    }
}
