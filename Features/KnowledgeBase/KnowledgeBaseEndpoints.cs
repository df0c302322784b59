using SupportDesk.Features.KnowledgeBase.CreateArticle;
using SupportDesk.Features.KnowledgeBase.DeleteArticle;
using SupportDesk.Features.KnowledgeBase.GetArticle;
using SupportDesk.Features.KnowledgeBase.ListArticles;
using SupportDesk.Features.KnowledgeBase.ListCategories;
using SupportDesk.Features.KnowledgeBase.SearchArticles;
using SupportDesk.Features.KnowledgeBase.UpdateArticle;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Features.KnowledgeBase;

public static class KnowledgeBaseEndpoints
{
    public static IEndpointRouteBuilder MapKnowledgeBase(this IEndpointRouteBuilder routes)
    {
        var kbPublic = routes.ServiceProvider.GetRequiredService<AppSettings>().KbPublic;

        // Reading: any signed-in user, or anyone at all when KB_PUBLIC=true. Handlers still hide drafts from non-staff.
        var read = routes.MapGroup("/knowledge-base").WithTags("Knowledge base");
        if (kbPublic)
            read.AllowAnonymous();
        else
            read.RequireAuthorization(Policies.Authenticated);
        read.MapListArticles();
        read.MapSearchArticles();
        read.MapListCategories();
        read.MapGetArticle();

        var write = routes.MapGroup("/knowledge-base").WithTags("Knowledge base").RequireAuthorization(Policies.AgentOrAdmin);
        write.MapCreateArticle();
        write.MapUpdateArticle();
        write.MapDeleteArticle();
        return routes;
    }
}
