using FluentValidation;

namespace SupportDesk.Features.Tickets.AddComment;

/// <param name="AttachmentIds">Uploads of yours to this ticket (POST /tickets/{id}/attachments) that this comment carries.</param>
public sealed record AddCommentRequest(string Content = "", CommentType? CommentType = null, Guid[]? AttachmentIds = null);

public sealed class AddCommentValidator : AbstractValidator<AddCommentRequest>
{
    public AddCommentValidator()
    {
        RuleFor(r => r.Content).NotEmpty().MaximumLength(20000)
            .Must(c => c.Trim().Length > 0).WithMessage("'content' must not be blank.");
        RuleFor(r => r.AttachmentIds).ValidAttachmentIds();
    }
}
