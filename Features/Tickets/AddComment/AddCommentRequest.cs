using FluentValidation;

namespace SupportDesk.Features.Tickets.AddComment;

/// <param name="AttachmentIds">Uploads of yours to this ticket (POST /tickets/{id}/attachments) that this comment carries.</param>
public sealed record AddCommentRequest(string Content = "", CommentType? CommentType = null, Guid[]? AttachmentIds = null);

public sealed class AddCommentValidator : AbstractValidator<AddCommentRequest>
{
    private const int MaxAttachments = 50;

    public AddCommentValidator()
    {
        RuleFor(r => r.Content).NotEmpty().MaximumLength(20000)
            .Must(c => c.Trim().Length > 0).WithMessage("'content' must not be blank.");
        RuleFor(r => r.AttachmentIds).Must(ids => ids!.Length <= MaxAttachments).WithMessage($"At most {MaxAttachments} attachments per comment.")
            .Must(ids => ids!.Distinct().Count() == ids!.Length).WithMessage("Each attachment id may appear once.")
            .When(r => r.AttachmentIds is not null);
    }
}
