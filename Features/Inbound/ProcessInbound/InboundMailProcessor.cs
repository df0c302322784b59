using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Organizations;
using SupportDesk.Features.Attachments;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Features.Inbound.ProcessInbound;

/// <summary>What became of one stored message.</summary>
public sealed record InboundOutcome(string Status, string? Reason, Guid? TicketId = null, Guid? CommentId = null, bool OpenedTicket = false, bool IsAuto = false);

/// <summary>One stored message as the worker claimed it.</summary>
public sealed class ClaimedInboundMessage
{
    public Guid Id { get; init; }
    public byte[] Raw { get; init; } = [];
    public string? EnvelopeFrom { get; init; }
    /// <summary>The envelope recipient that is ours (SMTP); null for IMAP.</summary>
    public string? Recipient { get; init; }
}

/// <summary>
/// Turns one stored mail into a ticket or a comment, inside the worker's transaction (so the mail is processed once, or
/// not at all). Threading, in this order, the first match winning: In-Reply-To/References naming one of our Message-IDs,
/// a ticket's thread root or a mail already on a ticket; our body marker; the subject's [#number] when the sender is the
/// requester, a follower or staff; else a new ticket. A subject alone never joins tickets.
/// </summary>
public sealed partial class InboundMailProcessor(TicketActivity activity, AppSettings settings, ThreadMarker marker, EmailOutbox outbox,
    IAttachmentStore store, ClamAvScanner scanner, TimeProvider clock)
{
    private const int MaxContent = 20_000;
    private const int MaxTitle = 200;
    private const int MaxFollowersPerMail = 20;
    private static readonly ParserOptions Parser = new() { MaxMimeDepth = 64 };

    private const string UserByEmailSql = "SELECT id, role, is_active FROM users WHERE lower(email) = lower(@Email)";

    // The sender as they are, or a new customer in the same round trip. The account has no password hash (nothing signs
    // in) until it is claimed through the password reset flow; it joins the organization holding its email domain, as
    // registration does. A concurrent insert of the same address returns nothing here: UserByEmailSql then finds it.
    private const string SenderSql = $"""
        WITH found AS (
            SELECT id, role, is_active FROM users WHERE lower(email) = lower(@Email)
        ), created AS (
            INSERT INTO users (id, email, password_hash, first_name, last_name, role, organization_id)
            SELECT @Id, @Email, NULL, @FirstName, @LastName, 'customer', {OrganizationDomains.OrganizationForDomain}
            WHERE NOT EXISTS (SELECT 1 FROM found)
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING id, role, is_active
        )
        SELECT id, role, is_active FROM found
        UNION ALL
        SELECT id, role, is_active FROM created
        """;

    private const string ThreadSql = """
        SELECT x.ticket_id, x.pos FROM (
            SELECT o.ticket_id, array_position(@Ids, o.message_id) AS pos
            FROM email_outbox o WHERE o.message_id = ANY(@Ids) AND o.ticket_id IS NOT NULL
            UNION ALL
            SELECT i.ticket_id, array_position(@Ids, i.message_id)
            FROM inbound_messages i WHERE i.message_id = ANY(@Ids) AND i.ticket_id IS NOT NULL AND i.id <> @Self
        ) x JOIN tickets t ON t.id = x.ticket_id AND t.deleted_at IS NULL
        ORDER BY x.pos LIMIT 1;

        SELECT EXISTS (SELECT 1 FROM inbound_messages i WHERE i.status = 'received' AND i.message_id = ANY(@Ids) AND i.id <> @Self);
        """;

    private const string TicketByIdSql = $"SELECT {TicketResponse.Columns} FROM tickets t WHERE t.id = @Id AND t.deleted_at IS NULL FOR UPDATE";
    private const string TicketByNumberSql = $"SELECT {TicketResponse.Columns} FROM tickets t WHERE t.number = @Number AND t.deleted_at IS NULL FOR UPDATE";
    private const string IsFollowerSql = "SELECT EXISTS (SELECT 1 FROM ticket_followers WHERE ticket_id = @TicketId AND user_id = @UserId)";
    private const string AddFollowerSql = "INSERT INTO ticket_followers (ticket_id, user_id) VALUES (@TicketId, @UserId) ON CONFLICT DO NOTHING";

    private const string OpenedRecentlySql = """
        SELECT count(*) FROM inbound_messages
        WHERE opened_ticket AND lower(sender) = lower(@Sender) AND processed_at > now() - interval '1 hour'
        """;

    private const string InsertTicketSql = $"""
        INSERT INTO tickets AS t (id, title, description, priority, tags, requester_id, created_by, group_id)
        VALUES (@Id, @Title, @Description, @Priority, @Tags, @RequesterId, @RequesterId, @GroupId)
        RETURNING {TicketResponse.Columns}
        """;

    private const string InsertCommentSql = $"""
        WITH c AS (
            INSERT INTO comments (id, ticket_id, author_id, content, comment_type, created_at, updated_at)
            VALUES (@Id, @TicketId, @AuthorId, @Content, @CommentType, @Now, @Now)
            RETURNING *
        )
        SELECT {CommentResponse.Columns} FROM c JOIN users u ON u.id = c.author_id
        """;

    private const string TouchTicketSql = """
        UPDATE tickets SET status = @Status, resolved_at = @ResolvedAt, closed_at = @ClosedAt,
            first_response_at = @FirstResponseAt, version = version + 1
        WHERE id = @TicketId
        """;

    private const string TicketBytesSql = "SELECT coalesce(sum(size), 0) FROM attachments WHERE ticket_id = @TicketId";

    private const string InsertAttachmentsSql = $"""
        WITH a AS (
            INSERT INTO attachments (id, ticket_id, comment_id, on_ticket, uploaded_by, file_name, content_type, size, sha256, created_at)
            SELECT id, @TicketId, @CommentId, @OnTicket, @UploadedBy, file_name, content_type, size, sha256, @Now
            FROM unnest(@Ids, @FileNames, @ContentTypes, @Sizes, @Hashes) AS f(id, file_name, content_type, size, sha256)
            RETURNING *
        )
        SELECT {AttachmentResponse.Columns} FROM a ORDER BY array_position(@Ids, a.id)
        """;

    private sealed record Sender(Guid Id, UserRole Role, bool IsActive)
    {
        public CurrentUser AsActor => new(Id, Role);
    }

    private sealed record SenderRow(Guid Id, string Role, bool IsActive);

    private sealed record ThreadHit(Guid TicketId, int Pos);

    /// <summary>Files of the mail, staged; the worker publishes them after the commit, or discards them.</summary>
    public sealed class StagedFiles
    {
        public List<StagedAttachment> Kept { get; } = [];
    }

    private sealed record MailFile(string FileName, string ContentType, StagedAttachment Staged);

    public async Task<InboundOutcome> ProcessAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ClaimedInboundMessage row,
        StagedFiles staged, CancellationToken ct)
    {
        MimeMessage message;
        using (var stream = new MemoryStream(row.Raw, writable: false))
            message = await MimeMessage.LoadAsync(Parser, stream, ct);

        var inbound = settings.Inbound;
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender;
        if (from is null || !IsUsableAddress(from.Address))
            return new InboundOutcome(InboundMessageStatus.Flagged, "The mail has no usable From address.");
        if (inbound.IsOwnAddress(from.Address))
            return new InboundOutcome(InboundMessageStatus.Flagged, "The mail comes from one of our own addresses (a loop).");
        var kind = MailClassifier.Classify(message, row.EnvelopeFrom);
        if (kind == MailKind.Bounce)
            return new InboundOutcome(InboundMessageStatus.Flagged, "A bounce or delivery report; nothing is created for it.", IsAuto: true);
        var isAuto = kind == MailKind.Automatic;

        var sender = await SenderAsync(connection, transaction, from, ct);
        if (!sender.IsActive)
            return new InboundOutcome(InboundMessageStatus.Flagged, "The sender's account is deactivated.", IsAuto: isAuto);

        var fullText = ReplyText.FullText(message);
        var (ticket, wait) = await ThreadAsync(connection, transaction, row.Id, message, fullText, sender, ct);
        // The mail it answers is stored but not processed yet (another worker holds it in its batch, or it waits behind
        // this one): this one waits for it, or it would open a ticket of its own.
        if (wait)
            return new InboundOutcome(InboundMessageStatus.Received, "Waits for the mail it answers.");
        var now = clock.GetUtcNow().UtcDateTime;
        TicketResponse? followUpOf = null;
        if (ticket is not null && ticket.Status == TicketStatus.Closed.ToDb() && !sender.AsActor.IsStaff
            && (inbound.ReopenMaxDays == 0 || ticket.ClosedAt is { } closedAt && closedAt < now.AddDays(-inbound.ReopenMaxDays)))
        {
            followUpOf = ticket;
            ticket = null;
        }

        if (ticket is not null)
            return await ReplyAsync(connection, transaction, message, fullText, ticket, sender, isAuto, staged, now, ct);

        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(OpenedRecentlySql, new { Sender = from.Address }, transaction, cancellationToken: ct))
            >= inbound.MaxTicketsPerSenderPerHour)
            return new InboundOutcome(InboundMessageStatus.Flagged,
                $"The sender opened {inbound.MaxTicketsPerSenderPerHour} tickets by mail within the hour (INBOUND_MAX_TICKETS_PER_SENDER_PER_HOUR); kept, not turned into a ticket.",
                IsAuto: isAuto);
        return await NewTicketAsync(connection, transaction, message, fullText, sender, isAuto, followUpOf, OurAddress(row, message), staged, now, ct);
    }

    private async Task<InboundOutcome> NewTicketAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MimeMessage message, string fullText,
        Sender sender, bool isAuto, TicketResponse? followUpOf, string? inboundAddress, StagedFiles staged, DateTime now, CancellationToken ct)
    {
        var title = ReplyText.HeaderText(message.Subject);
        if (title.Length == 0)
            title = "(no subject)";
        title = ReplyText.Bounded(title, MaxTitle, "…");
        var (files, notes) = await FilesAsync(message, staged, ct);
        var text = ReplyText.NewText(fullText);
        if (followUpOf is not null)
            text = $"Follow-up to #{followUpOf.Number} (closed), written as a reply to it by mail.\n\n{text}";
        var description = ReplyText.Bounded(text + Notes(notes), MaxContent, "\n[… cut here; the whole mail is kept for the support team]");

        // Routed as a ticket opened over the API is, with the address the mail was sent to for the inbound_address rules.
        var route = await TicketRouting.MatchAsync(connection, transaction, null, [], TicketPriority.Medium.ToDb(), inboundAddress, ct);
        var actor = sender.AsActor;
        var ticket = await connection.QuerySingleAsync<TicketResponse>(new CommandDefinition(InsertTicketSql, new
        {
            Id = Guid.CreateVersion7(),
            Title = title,
            Description = description,
            Priority = route?.SetPriority ?? TicketPriority.Medium.ToDb(),
            Tags = TicketFieldRules.NormalizeTags(route?.AddTags ?? []).Take(TicketFieldRules.MaxTags).ToArray(),
            RequesterId = sender.Id,
            GroupId = route?.SetGroupId,
        }, transaction, cancellationToken: ct));
        await AddFollowersAsync(connection, transaction, ticket, message, sender, ct);
        await activity.CreatedAsync(connection, transaction, ticket, actor, ct, notify: !isAuto);
        if (route is not null)
            await activity.RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("routed", "routing_rule", null, $"{route.Id} {route.Name}")], ct);
        var attached = await InsertFilesAsync(connection, transaction, ticket.Id, null, sender, files, 0, now, ct);
        await activity.FilesAddedAsync(connection, transaction, ticket, attached, actor, ct);
        ticket = await GroupAssignment.AssignNewAsync(connection, transaction, ticket, activity, actor, ct);
        return new InboundOutcome(InboundMessageStatus.Processed, followUpOf is null ? null : $"Follow-up of closed ticket #{followUpOf.Number}.",
            ticket.Id, OpenedTicket: true, IsAuto: isAuto);
    }

    private async Task<InboundOutcome> ReplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MimeMessage message, string fullText,
        TicketResponse ticket, Sender sender, bool isAuto, StagedFiles staged, DateTime now, CancellationToken ct)
    {
        var actor = sender.AsActor;
        var (files, notes) = await FilesAsync(message, staged, ct);
        var text = ReplyText.NewText(fullText);
        if (text.Length == 0)
            text = files.Count > 0 ? "(files only)" : "(empty mail)";
        // An auto-reply is kept for the team as a private note: the customer does not see it, nobody is told, nothing reopens.
        if (isAuto)
            text = $"Automatic reply received by mail from {message.From.Mailboxes.First().Address}:\n\n{text}";
        var content = ReplyText.Bounded(text + Notes(notes), MaxContent, "\n[… cut here; the whole mail is kept for the support team]");
        var type = isAuto ? CommentType.Private : CommentType.Public;

        var comment = await connection.QuerySingleAsync<CommentResponse>(new CommandDefinition(InsertCommentSql, new
        {
            Id = Guid.CreateVersion7(),
            TicketId = ticket.Id,
            AuthorId = sender.Id,
            Content = content,
            CommentType = type.ToDb(),
            Now = now,
        }, transaction, cancellationToken: ct));
        var history = new List<HistoryEntry> { new("commented", "comment", null, comment.Id.ToString(), isAuto) };
        var stored = await connection.ExecuteScalarAsync<long>(new CommandDefinition(TicketBytesSql, new { TicketId = ticket.Id }, transaction, cancellationToken: ct));
        comment.Attachments = await InsertFilesAsync(connection, transaction, ticket.Id, comment.Id, sender, files, stored, now, ct);
        history.AddRange(comment.Attachments.Select(a => new HistoryEntry("attachment_added", "attachment", null, $"{a.Id} {a.FileName}", isAuto)));

        var status = TicketValues.ParseStatus(ticket.Status);
        if (!isAuto)
        {
            var (resolvedAt, closedAt) = (ticket.ResolvedAt, ticket.ClosedAt);
            var firstResponseAt = ticket.FirstResponseAt ?? (actor.IsStaff ? now : null);
            // The customer answered (README: a customer's reply reopens): the ball is back with the support team.
            if (!actor.IsStaff && status is TicketStatus.Pending or TicketStatus.Resolved or TicketStatus.Closed)
            {
                (resolvedAt, closedAt) = TicketRules.Timestamps(status, TicketStatus.Open, resolvedAt, closedAt, now);
                history.Add(new HistoryEntry("status_changed", "status", ticket.Status, TicketStatus.Open.ToDb()));
                status = TicketStatus.Open;
            }
            await connection.ExecuteAsync(new CommandDefinition(TouchTicketSql, new
            {
                TicketId = ticket.Id,
                Status = status.ToDb(),
                ResolvedAt = resolvedAt,
                ClosedAt = closedAt,
                FirstResponseAt = firstResponseAt,
            }, transaction, cancellationToken: ct));
            await AddFollowersAsync(connection, transaction, ticket, message, sender, ct);
        }
        await activity.CommentedAsync(connection, transaction, ticket, status, comment, history, actor, ct, notify: !isAuto);
        return new InboundOutcome(InboundMessageStatus.Processed, isAuto ? "Automatic reply: kept as a private note." : null,
            ticket.Id, comment.Id, IsAuto: isAuto);
    }

    /// <summary>The ticket the mail belongs on (null: a new one), or Wait when a mail it answers is still waiting to be processed.</summary>
    private async Task<(TicketResponse? Ticket, bool Wait)> ThreadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid self,
        MimeMessage message, string fullText, Sender sender, CancellationToken ct)
    {
        // 1. Our Message-IDs, thread roots, or a mail already on a ticket: In-Reply-To first, then References newest first.
        var ids = new List<string>();
        if (message.InReplyTo is { Length: > 0 } inReplyTo)
            ids.Add($"<{inReplyTo}>");
        ids.AddRange(message.References.Reverse().Take(50).Select(r => $"<{r}>"));
        ids = ids.Select(i => InboundText(i)).Distinct().ToList();
        if (ids.Count > 0)
        {
            var rootPos = ids.FindIndex(i => RootTicket(i) is not null);
            ThreadHit? hit;
            bool pending;
            await connection.ExecuteAsync(new CommandDefinition(Infrastructure.Inbound.InboundDatabase.CustomPlans, transaction: transaction, cancellationToken: ct));
            await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(ThreadSql,
                new { Ids = ids.ToArray(), Self = self }, transaction, cancellationToken: ct)))
            {
                hit = await results.ReadSingleOrDefaultAsync<ThreadHit>();
                pending = await results.ReadSingleAsync<bool>();
            }
            await connection.ExecuteAsync(new CommandDefinition(Infrastructure.Inbound.InboundDatabase.DefaultPlans, transaction: transaction, cancellationToken: ct));
            Guid? id = rootPos >= 0 && (hit is null || rootPos + 1 < hit.Pos) ? RootTicket(ids[rootPos]) : hit?.TicketId;
            if (id is not null && await ByIdAsync(connection, transaction, id.Value, ct) is { } byHeader)
                return (byHeader, false);
            if (rootPos >= 0 && hit is not null && await ByIdAsync(connection, transaction, hit.TicketId, ct) is { } byOutbox)
                return (byOutbox, false);
            if (pending)
                return (null, true);
        }

        // 2. The body marker (some providers rewrite Message-IDs).
        var html = message.HtmlBody;
        if ((marker.Find(fullText) ?? marker.Find(html)) is { } marked && await ByIdAsync(connection, transaction, marked, ct) is { } byMarker)
            return (byMarker, false);

        // 3. [#number], only for someone who already belongs on that ticket.
        if (SubjectToken().Match(message.Subject ?? "") is { Success: true } token && long.TryParse(token.Groups[1].Value, out var number))
        {
            var ticket = await connection.QuerySingleOrDefaultAsync<TicketResponse>(new CommandDefinition(TicketByNumberSql,
                new { Number = number }, transaction, cancellationToken: ct));
            if (ticket is not null && (sender.AsActor.IsStaff || ticket.RequesterId == sender.Id
                    || await connection.ExecuteScalarAsync<bool>(new CommandDefinition(IsFollowerSql, new { TicketId = ticket.Id, UserId = sender.Id }, transaction, cancellationToken: ct))))
                return (ticket, false);
        }
        return (null, false);
    }

    /// <summary>
    /// The address of ours the mail was sent to: the SMTP envelope recipient, else (IMAP) the first of Delivered-To,
    /// X-Original-To, To and Cc that is one we accept.
    /// </summary>
    private string? OurAddress(ClaimedInboundMessage row, MimeMessage message)
    {
        if (row.Recipient is { Length: > 0 } recipient)
            return recipient;
        var headers = message.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase) || h.Field.Equals("X-Original-To", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => InternetAddressList.TryParse(h.Value, out var list) ? list.Mailboxes : []);
        return headers.Concat(message.To.Mailboxes).Concat(message.Cc.Mailboxes)
            .Select(m => m.Address.Trim().ToLowerInvariant())
            .FirstOrDefault(settings.Inbound.Accepts);
    }

    private static string InboundText(string id) => Infrastructure.Inbound.InboundStore.Clean(id, 998)!;

    private Guid? RootTicket(string id)
    {
        var match = ThreadRoot().Match(id);
        return match.Success && match.Groups[2].Value.Equals(outbox.Domain, StringComparison.OrdinalIgnoreCase)
            && Guid.TryParse(match.Groups[1].Value, out var ticketId) ? ticketId : null;
    }

    private static Task<TicketResponse?> ByIdAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<TicketResponse>(new CommandDefinition(TicketByIdSql, new { Id = id }, transaction, cancellationToken: ct));

    private async Task<Sender> SenderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MailboxAddress from, CancellationToken ct)
    {
        var email = from.Address.Trim();
        var (first, last) = Names(from);
        var found = await connection.QuerySingleOrDefaultAsync<SenderRow>(new CommandDefinition(SenderSql, new
            {
                Id = Guid.CreateVersion7(),
                Email = email,
                FirstName = first,
                LastName = last,
                Domain = OrganizationDomains.DomainOf(email),
            }, transaction, cancellationToken: ct))
            ?? await connection.QuerySingleAsync<SenderRow>(new CommandDefinition(UserByEmailSql, new { Email = email }, transaction, cancellationToken: ct));
        return new Sender(found.Id, Roles.Parse(found.Role), found.IsActive);
    }

    /// <summary>
    /// The display name split in two; never an address-looking name ("support@bank.example" &lt;evil@x&gt; is named
    /// after its real address), and neither part empty (user rules: a last name is not blank). Without a display name
    /// the address's local part is the name, its words split at '.', '_', '-' and '+' ("jane.doe" is Jane Doe). A name
    /// of one word keeps it as the first name, and the address's domain, in parentheses, is the last ("jdoe (example.com)"):
    /// it says who wrote, where a placeholder such as "-" says nothing.
    /// </summary>
    internal static (string First, string Last) Names(MailboxAddress from)
    {
        var name = ReplyText.HeaderText(from.Name).Replace("@", "", StringComparison.Ordinal).Trim();
        if (name.Length == 0 || (from.Name ?? "").Contains('@'))
            name = string.Join(' ', ReplyText.HeaderText(from.LocalPart).Replace("@", "", StringComparison.Ordinal)
                .Split(['.', '_', '-', '+', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
        if (name.Length == 0)
            name = "Customer";
        var space = name.IndexOf(' ');
        var domain = ReplyText.HeaderText(from.Domain).Replace("@", "", StringComparison.Ordinal).Trim();
        var (first, last) = space > 0 ? (name[..space], name[(space + 1)..].Trim())
            : (name, domain.Length > 0 ? $"({domain})" : "Customer");
        return (ReplyText.Bounded(first, 100, ""), ReplyText.Bounded(last, 100, ""));
    }

    private static bool IsUsableAddress(string address) =>
        address.Length is >= 3 and <= 254 && address.Contains('@') && ReplyText.Storable(address) == address && !address.Any(char.IsWhiteSpace);

    /// <summary>Cc'd people (and other recipients who are not us) follow the ticket: they get its public replies and may answer.</summary>
    private async Task AddFollowersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, MimeMessage message,
        Sender sender, CancellationToken ct)
    {
        var candidates = message.Cc.Mailboxes.Concat(message.To.Mailboxes)
            .Where(m => IsUsableAddress(m.Address) && !settings.Inbound.IsOwnAddress(m.Address) && !settings.Inbound.Accepts(m.Address))
            .DistinctBy(m => m.Address.ToLowerInvariant())
            .Take(MaxFollowersPerMail)
            .ToList();
        var userIds = new List<Guid>();
        foreach (var mailbox in candidates)
        {
            var user = await SenderAsync(connection, transaction, mailbox, ct);
            if (user.Id != ticket.RequesterId && user.IsActive)
                userIds.Add(user.Id);
        }
        // Someone not on the ticket who answered one of its mails (a forwarded thread) joins it the same way.
        if (sender.Id != ticket.RequesterId && !sender.AsActor.IsStaff)
            userIds.Add(sender.Id);
        foreach (var id in userIds.Distinct())
            await connection.ExecuteAsync(new CommandDefinition(AddFollowerSql, new { TicketId = ticket.Id, UserId = id }, transaction, cancellationToken: ct));
    }

    /// <summary>Attachments and inline images, each under the attachment limits; a part that does not fit is left out with a note.</summary>
    private async Task<(List<MailFile> Files, List<string> Notes)> FilesAsync(MimeMessage message, StagedFiles staged, CancellationToken ct)
    {
        var limits = settings.Attachments;
        var files = new List<MailFile>();
        var notes = new List<string>();
        long total = 0;
        foreach (var part in message.BodyParts.OfType<MimePart>().Where(p => p.IsAttachment || p is not TextPart).Take(200))
        {
            if (part is MessageDeliveryStatus or MessageDispositionNotification)
                continue;
            var name = AttachmentFileNames.Normalize(ReplyText.HeaderText(part.FileName ?? part.ContentType.Name ?? $"part-{files.Count + notes.Count + 1}"));
            if (files.Count >= limits.MaxFiles)
            {
                notes.Add($"{name}: more than {limits.MaxFiles} files in one mail");
                continue;
            }
            StagedAttachment file;
            try
            {
                await using var content = part.Content?.Open() ?? Stream.Null;
                file = await store.StageAsync(content, limits.MaxFileBytes, ct);
            }
            catch (AttachmentTooLargeException)
            {
                notes.Add($"{name}: larger than {limits.MaxFileBytes} bytes");
                continue;
            }
            var type = FileSignatures.Detect(file.Head);
            string? refusal = file.Size == 0 ? "empty"
                : !limits.AllowedTypes.Contains(type) ? $"{type} is not an accepted type"
                : total + file.Size > limits.MaxRequestBytes ? $"the files of one mail may add up to {limits.MaxRequestBytes} bytes"
                : null;
            if (refusal is null && scanner.Enabled)
            {
                await using var scanned = store.OpenStaged(file);
                if (await scanner.FindThreatAsync(scanned, ct) is { } threat)
                    refusal = $"refused by the virus scanner ({threat})";
            }
            if (refusal is not null)
            {
                store.Discard(file);
                notes.Add($"{name}: {refusal}");
                continue;
            }
            staged.Kept.Add(file);
            files.Add(new MailFile(name, type, file));
            total += file.Size;
        }
        return (files, notes);
    }

    private async Task<IReadOnlyList<AttachmentResponse>> InsertFilesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid ticketId, Guid? commentId, Sender sender, List<MailFile> files, long storedOnTicket, DateTime now, CancellationToken ct)
    {
        var fitting = new List<MailFile>();
        foreach (var file in files)
            if ((storedOnTicket += file.Staged.Size) <= settings.Attachments.MaxTicketBytes)
                fitting.Add(file);
        if (fitting.Count == 0)
            return [];
        return (await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(InsertAttachmentsSql, new
        {
            TicketId = ticketId,
            CommentId = commentId,
            OnTicket = commentId is null,
            UploadedBy = sender.Id,
            Now = now,
            Ids = fitting.Select(_ => Guid.NewGuid()).ToArray(),
            FileNames = fitting.Select(f => f.FileName).ToArray(),
            ContentTypes = fitting.Select(f => f.ContentType).ToArray(),
            Sizes = fitting.Select(f => f.Staged.Size).ToArray(),
            Hashes = fitting.Select(f => f.Staged.Sha256).ToArray(),
        }, transaction, cancellationToken: ct))).AsList();
    }

    private static string Notes(List<string> notes) =>
        notes.Count == 0 ? "" : "\n\n[Not attached: " + string.Join("; ", notes) + "]";

    [GeneratedRegex(@"\[#(\d{1,18})\]", RegexOptions.CultureInvariant)]
    private static partial Regex SubjectToken();

    [GeneratedRegex(@"^<ticket-([0-9a-fA-F-]{36})@([^>]+)>$", RegexOptions.CultureInvariant)]
    private static partial Regex ThreadRoot();
}
