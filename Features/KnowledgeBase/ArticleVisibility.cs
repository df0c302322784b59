using System.Security.Claims;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.KnowledgeBase;

/// <summary>
/// Who sees drafts: agents and admins. Customers and anonymous readers (KB_PUBLIC) see published articles
/// only; to them a draft does not exist (404).
/// </summary>
public static class ArticleVisibility
{
    /// <summary>SQL condition on alias a with parameter @SeesDrafts.</summary>
    public const string VisibleTo = "(a.is_published OR @SeesDrafts)";

    public static bool SeesDrafts(this ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.ToCurrentUser().IsStaff;
}
