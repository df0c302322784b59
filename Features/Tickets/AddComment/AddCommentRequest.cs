using FluentValidation;

namespace SupportDesk.Features.Tickets.AddComment;

public sealed record AddCommentRequest(string Content = "", CommentType? CommentType = null);

public sealed class AddCommentValidator : AbstractValidator<AddCommentRequest>
{
    public AddCommentValidator()
    {
        RuleFor(r => r.Content).NotEmpty().MaximumLength(20000)
            .Must(c => c.Trim().Length > 0).WithMessage("'content' must not be blank.");
    }
}
