using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>OpenAPI 3.1 at /openapi/v1.json and a Scalar reference at /docs; off in Production unless API_DOCS=true.</summary>
public static class OpenApiSetup
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "SupportDesk API",
                    Version = "v1",
                    Description = "Customer-support ticketing: tickets, comments, audit trail, users. JSON is snake_case; errors are RFC 9457 problem+json.",
                };
                // Tags in the order a reader meets the product, not in mapping order.
                string[] order = ["Health", "Auth", "Users", "Tickets", "Knowledge base", "Search", "Notifications", "Realtime", "Email"];
                if (document.Tags is { Count: > 0 } tags)
                    document.Tags = new HashSet<OpenApiTag>(tags.OrderBy(t => Array.IndexOf(order, t.Name) is var i && i < 0 ? int.MaxValue : i));
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The access_token from POST /auth/login or /auth/register.",
                };
                return Task.CompletedTask;
            });

            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });

            // Optional<T> (partial-update fields) is T on the wire.
            options.AddSchemaTransformer(async (schema, context, ct) =>
            {
                var type = context.JsonTypeInfo.Type;
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Optional<>))
                    return;
                var inner = await context.GetOrCreateSchemaAsync(type.GetGenericArguments()[0], null, ct);
                schema.Type = inner.Type;
                schema.Format = inner.Format;
                schema.Enum = inner.Enum;
                schema.Items = inner.Items;
                schema.Properties = inner.Properties;
                schema.OneOf = inner.OneOf;
                schema.AnyOf = inner.AnyOf;
            });
        });
        return services;
    }

    /// <summary>
    /// Declares the problem responses each route can give, from what the route is: every route may answer 500,
    /// a route with a body 400, a protected route 401 (and 403 when it needs a role), a route with an id 404.
    /// Runs last, so it sees every other convention's metadata.
    /// </summary>
    public static TBuilder WithProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            void Problem(int status, Type type) =>
                metadata.Add(new ProducesResponseTypeMetadata(status, type, ["application/problem+json"]));

            var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            var hasBody = metadata.OfType<IAcceptsMetadata>().Any();
            var hasQuery = pattern.Length > 0 && metadata.OfType<IParameterBindingMetadata>().Any(p => p.HasTryParse || p.IsOptional);
            if (hasBody || hasQuery)
                Problem(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
            if (!metadata.OfType<IAllowAnonymous>().Any())
            {
                Problem(StatusCodes.Status401Unauthorized, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails));
                if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null && a.Policy != Policies.Authenticated))
                    Problem(StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails));
            }
            if (pattern.Contains('{'))
                Problem(StatusCodes.Status404NotFound, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails));
            Problem(StatusCodes.Status500InternalServerError, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails));
        });
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference("/docs", options => options
                .WithTitle("SupportDesk API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts())
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
