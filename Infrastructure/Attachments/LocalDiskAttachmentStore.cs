using System.Buffers;
using System.Security.Cryptography;

namespace SupportDesk.Infrastructure.Attachments;

/// <summary>
/// Files under ATTACHMENTS_PATH: blobs at ab/cd/abcd…(sha256), staging in tmp/. A staged file is renamed into place, an
/// atomic step on one file system, so a blob is either complete or absent.
/// </summary>
public sealed class LocalDiskAttachmentStore : IAttachmentStore
{
    private const int BufferSize = 81920;
    private readonly string _root;
    private readonly string _staging;

    public LocalDiskAttachmentStore(AttachmentSettings settings)
    {
        _root = settings.Root;
        _staging = Path.Combine(_root, "tmp");
        // Found out at start-up, with the variable to fix, rather than at the first upload.
        try
        {
            Directory.CreateDirectory(_staging);
            var probe = Path.Combine(_staging, $"{Guid.NewGuid():N}.probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Configuration.StartupException($"ATTACHMENTS_PATH {_root} is not a writable directory: {e.Message}");
        }
    }

    internal string StagingDirectory => _staging;

    internal string BlobPath(string sha256) => Path.Combine(_root, sha256[..2], sha256[2..4], sha256);

    public async Task<StagedAttachment> StageAsync(Stream content, long maxBytes, CancellationToken ct)
    {
        var token = Guid.NewGuid().ToString("N");
        var path = Path.Combine(_staging, token + ".upload");
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new byte[FileSignatures.HeadLength];
            var headLength = 0;
            long size = 0;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                        throw new AttachmentTooLargeException(maxBytes);
                    if (headLength < head.Length)
                    {
                        var take = Math.Min(read, head.Length - headLength);
                        buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                        headLength += take;
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            // Named by its hash too: a crash between the row's commit and the publish leaves bytes the sweep can still place.
            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            File.Move(path, StagedPath(token, sha256));
            return new StagedAttachment(token, sha256, size, head[..headLength]);
        }
        catch
        {
            // Too large, aborted, malformed: nothing of it may stay behind.
            TryDelete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task PublishAsync(StagedAttachment staged, CancellationToken ct)
    {
        var target = BlobPath(staged.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Overwriting identical bytes is harmless and refreshes the blob's age, so the orphan sweep leaves it alone.
        File.Move(StagedPath(staged.Token, staged.Sha256), target, overwrite: true);
        return Task.CompletedTask;
    }

    public Stream OpenStaged(StagedAttachment staged) =>
        new FileStream(StagedPath(staged.Token, staged.Sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Discard(StagedAttachment staged) => TryDelete(StagedPath(staged.Token, staged.Sha256));

    public Stream? OpenRead(string sha256)
    {
        try
        {
            return new FileStream(BlobPath(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<int> DeleteOrphansAsync(Func<IReadOnlyCollection<string>, Task<IReadOnlySet<string>>> stillReferenced, DateTimeOffset olderThan, CancellationToken ct)
    {
        var deleted = 0;
        // Staging files of uploads that died without cleaning up (a crash, a kill). A staged file whose row did commit
        // is published instead: its row must not lose its bytes.
        var leftovers = Directory.EnumerateFiles(_staging).Where(p => File.GetLastWriteTimeUtc(p) < olderThan.UtcDateTime).ToList();
        var stagedHashes = leftovers.Select(StagedHash).OfType<string>().Distinct().ToArray();
        var committed = stagedHashes.Length == 0 ? new HashSet<string>() : await stillReferenced(stagedHashes);
        foreach (var path in leftovers)
        {
            if (StagedHash(path) is { } sha && committed.Contains(sha) && !File.Exists(BlobPath(sha)))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(BlobPath(sha))!);
                File.Move(path, BlobPath(sha), overwrite: true);
            }
            else if (TryDelete(path))
            {
                deleted++;
            }
        }

        var candidates = Directory.EnumerateDirectories(_root)
            .Where(d => Path.GetFileName(d) != "tmp")
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(p => Path.GetFileName(p).Length == 64 && File.GetLastWriteTimeUtc(p) < olderThan.UtcDateTime)
            .ToList();
        foreach (var batch in candidates.Chunk(500))
        {
            ct.ThrowIfCancellationRequested();
            var referenced = await stillReferenced(batch.Select(Path.GetFileName).ToArray()!);
            foreach (var path in batch)
                if (!referenced.Contains(Path.GetFileName(path)) && TryDelete(path))
                    deleted++;
        }
        return deleted;
    }

    private string StagedPath(string token, string sha256) => Path.Combine(_staging, $"{token}-{sha256}.staged");

    /// <summary>The hash in "token-sha256.staged"; null for an upload that never finished.</summary>
    private static string? StagedHash(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".staged", StringComparison.Ordinal) && name.Length == 32 + 1 + 64 + 7 ? name[33..97] : null;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
