namespace SupportDesk.Infrastructure.Attachments;

/// <summary>
/// Where attachment bytes live, content-addressed by SHA-256 (the same bytes are kept once). An upload is staged
/// first (streamed, hashed, counted, nothing visible), its database row committed, and only then published under its
/// hash, so a reader never finds a row whose bytes are still being written. Local disk today; the shape leaves room for
/// an S3-compatible store.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>Streams <paramref name="content"/> to a staging place while hashing it; throws <see cref="AttachmentTooLargeException"/> past <paramref name="maxBytes"/>.</summary>
    Task<StagedAttachment> StageAsync(Stream content, long maxBytes, CancellationToken ct);

    /// <summary>Makes staged bytes readable under their hash (after the row committed). Same bytes twice: one copy.</summary>
    Task PublishAsync(StagedAttachment staged, CancellationToken ct);

    /// <summary>The staged bytes, to read before they are published (the virus scan).</summary>
    Stream OpenStaged(StagedAttachment staged);

    /// <summary>Forgets staged bytes that will not be published (a refused or aborted upload).</summary>
    void Discard(StagedAttachment staged);

    /// <summary>A seekable stream of stored bytes (ranges are served from it), or null when they are missing.</summary>
    Stream? OpenRead(string sha256);

    /// <summary>Removes stored bytes that no row points at any more and staging left behind, older than <paramref name="olderThan"/>.</summary>
    Task<int> DeleteOrphansAsync(Func<IReadOnlyCollection<string>, Task<IReadOnlySet<string>>> stillReferenced, DateTimeOffset olderThan, CancellationToken ct);
}

/// <summary>Bytes written and hashed but not yet published. <see cref="Head"/> is the start of the file, for type detection.</summary>
public sealed record StagedAttachment(string Token, string Sha256, long Size, byte[] Head);

/// <summary>The content went past the per-file limit; what was written is already gone.</summary>
public sealed class AttachmentTooLargeException(long maxBytes) : Exception($"The file is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}
