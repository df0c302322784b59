using Dapper;
using Mediator;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments.UploadAttachments;

/// <summary>The files of one multipart body, read part by part as they arrive; no ticket: for a ticket about to be opened.</summary>
public sealed record UploadAttachmentsCommand(CurrentUser Actor, Guid? TicketId, MultipartReader Body) : ICommand<IReadOnlyList<AttachmentResponse>>;

public sealed class UploadAttachmentsHandler(NpgsqlDataSource dataSource, IAttachmentStore store, ClamAvScanner scanner, AppSettings settings,
    TimeProvider clock)
    : ICommandHandler<UploadAttachmentsCommand, IReadOnlyList<AttachmentResponse>>
{
    internal const string TicketBytesSql = "SELECT coalesce(sum(size), 0) FROM attachments WHERE ticket_id = @TicketId";

    internal const string InsertSql = $"""
        WITH a AS (
            INSERT INTO attachments (id, ticket_id, uploaded_by, file_name, content_type, size, sha256, created_at)
            SELECT id, @TicketId, @UploadedBy, file_name, content_type, size, sha256, @Now
            FROM unnest(@Ids, @FileNames, @ContentTypes, @Sizes, @Hashes) AS f(id, file_name, content_type, size, sha256)
            RETURNING *
        )
        SELECT {AttachmentResponse.Columns} FROM a ORDER BY array_position(@Ids, a.id)
        """;

    private sealed record Upload(string FileName, string ContentType, StagedAttachment Staged);

    public async ValueTask<IReadOnlyList<AttachmentResponse>> Handle(UploadAttachmentsCommand command, CancellationToken ct)
    {
        var limits = settings.Attachments;
        // Who may upload is settled before a byte is stored, and without holding a connection while the client sends.
        if (command.TicketId is { } target)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await TicketAccess.LoadForCommentAsync(connection, null, target, command.Actor, ct);
        }

        var uploads = new List<Upload>();
        var committed = false;
        try
        {
            await ReadFilesAsync(command.Body, uploads, limits, ct);
            if (scanner.Enabled)
                await ScanAsync(uploads, ct);

            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            if (command.TicketId is { } ticketId)
            {
                // Locks the ticket, so two uploads at once cannot both squeeze under the per-ticket limit.
                await TicketAccess.LoadForCommentAsync(connection, transaction, ticketId, command.Actor, ct);
                var stored = await connection.ExecuteScalarAsync<long>(new CommandDefinition(TicketBytesSql, new { TicketId = ticketId }, transaction, cancellationToken: ct));
                if (stored + uploads.Sum(u => u.Staged.Size) > limits.MaxTicketBytes)
                    throw new PayloadTooLargeException("files", $"A ticket holds at most {limits.MaxTicketBytes} bytes of attachments; this ticket has {stored}.");
            }

            var rows = (await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(InsertSql, new
            {
                command.TicketId,
                UploadedBy = command.Actor.Id,
                Now = clock.GetUtcNow().UtcDateTime,
                // Random, not time-ordered: an id must not be guessable from another one.
                Ids = uploads.Select(_ => Guid.NewGuid()).ToArray(),
                FileNames = uploads.Select(u => u.FileName).ToArray(),
                ContentTypes = uploads.Select(u => u.ContentType).ToArray(),
                Sizes = uploads.Select(u => u.Staged.Size).ToArray(),
                Hashes = uploads.Select(u => u.Staged.Sha256).ToArray(),
            }, transaction, cancellationToken: ct))).AsList();
            await transaction.CommitAsync(ct);
            committed = true;

            // After the commit, so no row is readable before its bytes and no bytes are published for a rolled-back row.
            // Should this fail (a full disk), the staged files stay: the cleanup publishes them for their committed rows.
            foreach (var upload in uploads)
                await store.PublishAsync(upload.Staged, CancellationToken.None);
            AttachmentMetrics.Stored(uploads.Sum(u => u.Staged.Size));
            return rows;
        }
        catch (AppException e) when (e is PayloadTooLargeException or UnsupportedMediaTypeException or FieldValidationException or UnprocessableException)
        {
            AttachmentMetrics.Refusal(e switch
            {
                PayloadTooLargeException => "too_large",
                UnsupportedMediaTypeException => "type",
                UnprocessableException => "infected",
                FieldValidationException { Field: "body" } => "malformed",
                _ => "invalid",
            });
            throw;
        }
        finally
        {
            if (!committed)
                foreach (var upload in uploads)
                    store.Discard(upload.Staged);
        }
    }

    /// <summary>
    /// Every file is scanned before any row exists, so nothing clamd flags ever becomes downloadable; it is refused (422
    /// naming the file) and its staged bytes are dropped with the rest of the request.
    /// </summary>
    private async Task ScanAsync(List<Upload> uploads, CancellationToken ct)
    {
        for (var i = 0; i < uploads.Count; i++)
        {
            await using var content = store.OpenStaged(uploads[i].Staged);
            if (await scanner.FindThreatAsync(content, ct) is { } threat)
                throw new UnprocessableException($"files[{i}]", $"'{uploads[i].FileName}' was refused by the virus scanner ({threat}); nothing was stored.");
        }
    }

    /// <summary>Stages each file part as it arrives; the first limit or type refusal ends the request.</summary>
    private async Task ReadFilesAsync(MultipartReader reader, List<Upload> uploads, AttachmentSettings limits, CancellationToken ct)
    {
        long total = 0;
        while (await NextSectionAsync(reader, ct) is { } section)
        {
            var field = $"files[{uploads.Count}]";
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                || !disposition.IsFileDisposition())
                throw new FieldValidationException(field, "Every part must be a file (Content-Disposition: form-data; name=\"files\"; filename=\"…\").");
            if (uploads.Count >= limits.MaxFiles)
                throw new FieldValidationException(field, $"At most {limits.MaxFiles} files per request.");

            var fileName = AttachmentFileNames.Normalize(disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value);
            StagedAttachment staged;
            try
            {
                staged = await store.StageAsync(section.Body, limits.MaxFileBytes, ct);
            }
            catch (AttachmentTooLargeException)
            {
                throw new PayloadTooLargeException(field, $"'{fileName}' is larger than {limits.MaxFileBytes} bytes.");
            }
            catch (Exception e) when (IsMalformed(e, ct))
            {
                throw Malformed();
            }
            uploads.Add(new Upload(fileName, FileSignatures.Detect(staged.Head), staged));

            if (staged.Size == 0)
                throw new FieldValidationException(field, $"'{fileName}' is empty.");
            var type = uploads[^1].ContentType;
            if (!limits.AllowedTypes.Contains(type))
                throw new UnsupportedMediaTypeException(field, $"'{fileName}' is {type}, which is not accepted ({string.Join(", ", limits.AllowedTypes.Order())}).");
            total += staged.Size;
            if (total > limits.MaxRequestBytes)
                throw new PayloadTooLargeException(field, $"The files of one request may add up to {limits.MaxRequestBytes} bytes.");
        }
        if (uploads.Count == 0)
            throw new FieldValidationException("files", "Send at least one file.");
    }

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (Exception e) when (IsMalformed(e, ct))
        {
            throw Malformed();
        }
    }

    // A body that ends early or breaks the multipart rules; not a client that went away, nor Kestrel's own limits
    // (BadHttpRequestException, an IOException too, keeps its 400/413).
    private static bool IsMalformed(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is InvalidDataException or IOException && e is not BadHttpRequestException
        && e is not Microsoft.AspNetCore.Connections.ConnectionResetException;

    private static FieldValidationException Malformed() =>
        new("body", "The multipart body is truncated or malformed (each part needs headers and the body must end with the closing boundary).");
}
