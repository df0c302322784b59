using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Infrastructure.Attachments;

/// <summary>
/// Asks clamd (CLAMAV_HOST) about a file before it is stored, over clamd's INSTREAM command: the bytes in length-prefixed
/// chunks, a zero-length chunk to end, one reply line. No NuGet client for clamd is served here, and the protocol is these
/// few lines. Without CLAMAV_HOST nothing is scanned.
/// </summary>
public sealed class ClamAvScanner(AttachmentSettings settings)
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public bool Enabled => settings.ClamAvHost is not null;

    /// <summary>The threat clamd names, or null when the file is clean; a scanner that cannot answer is a 503.</summary>
    public async Task<string?> FindThreatAsync(Stream content, CancellationToken ct)
    {
        var (host, port) = settings.ClamAvHost ?? throw new InvalidOperationException("CLAMAV_HOST is not set.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        string reply;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            await using var stream = client.GetStream();
            await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), timeout.Token);
            var buffer = new byte[4 + ChunkBytes];
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(4, ChunkBytes), timeout.Token)) > 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                await stream.WriteAsync(buffer.AsMemory(0, 4 + read), timeout.Token);
            }
            BinaryPrimitives.WriteUInt32BigEndian(buffer, 0);
            await stream.WriteAsync(buffer.AsMemory(0, 4), timeout.Token);
            reply = await ReadReplyAsync(stream, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new ScannerUnavailableException($"The virus scanner did not answer ({e.Message}); try again shortly.");
        }

        // "stream: OK", "stream: <name> FOUND", or "<reason> ERROR" (clamd's own limits, a database reload).
        if (reply == "stream: OK")
            return null;
        if (reply.StartsWith("stream: ", StringComparison.Ordinal) && reply.EndsWith(" FOUND", StringComparison.Ordinal))
            return reply["stream: ".Length..^" FOUND".Length];
        throw new ScannerUnavailableException($"The virus scanner could not scan the file ({reply}).");
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream, CancellationToken ct)
    {
        var reply = new List<byte>();
        var one = new byte[256];
        while (reply.Count < 4096)
        {
            var read = await stream.ReadAsync(one, ct);
            if (read == 0)
                break;
            var end = Array.IndexOf(one, (byte)0, 0, read);
            reply.AddRange(one.AsSpan(0, end < 0 ? read : end).ToArray());
            if (end >= 0)
                break;
        }
        return Encoding.ASCII.GetString(reply.ToArray()).Trim();
    }
}
