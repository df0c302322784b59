using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// The shipped comment_added template lists the comment's files (attachment_list). A template an admin has changed
/// around these lines is left as it is: replace() only finds the shipped text.
/// </summary>
[Migration(20261202130100)]
public sealed class M20261202130100_AddAttachmentListToCommentEmail : Migration
{
    private const string HtmlAnchor = """{% if ticket_link %}<p><a href="{{ ticket_link }}">View the conversation</a></p>{% endif %}""";
    private const string HtmlList = """{% if attachment_list %}<p>Attached files:</p><pre>{{ attachment_list }}</pre>{% endif %}""";
    private const string TextAnchor = "{{ comment_text }}\n{% if ticket_link %}";
    private const string TextList = "{{ comment_text }}\n{% if attachment_list %}\nAttached files:\n{{ attachment_list }}\n{% endif %}\n{% if ticket_link %}";

    public override void Up() => Execute.Sql($"""
        UPDATE email_templates SET
            html_body = replace(html_body, $tpl${HtmlAnchor}$tpl$, $tpl${HtmlList}{"\n"}{HtmlAnchor}$tpl$),
            text_body = replace(text_body, $tpl${TextAnchor}$tpl$, $tpl${TextList}$tpl$)
        WHERE key = 'comment_added';
        """);

    public override void Down() => Execute.Sql($"""
        UPDATE email_templates SET
            html_body = replace(html_body, $tpl${HtmlList}{"\n"}{HtmlAnchor}$tpl$, $tpl${HtmlAnchor}$tpl$),
            text_body = replace(text_body, $tpl${TextList}$tpl$, $tpl${TextAnchor}$tpl$)
        WHERE key = 'comment_added';
        """);
}
