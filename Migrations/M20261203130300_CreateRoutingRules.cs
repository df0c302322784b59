using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Routing rules, tried on every new ticket by position (then id); the first whose conditions all hold (an empty
/// condition holds always) sets the group, the priority and adds tags. inbound_address is for tickets opened by email
/// (the inbound-email issue); until then a rule with one never matches. A group that a rule routes to cannot be deleted
/// (RESTRICT): the delete answers 409 naming the rules, so no rule ever points nowhere.
/// </summary>
[Migration(20261203130300)]
public sealed class M20261203130300_CreateRoutingRules : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE routing_rules (
            id               uuid        PRIMARY KEY,
            name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            position         integer     NOT NULL,
            is_active        boolean     NOT NULL DEFAULT true,
            category         text        NULL CHECK (length(category) BETWEEN 1 AND 100),
            tags_any         text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags_any) <= 20),
            priorities       text[]      NOT NULL DEFAULT '{}'
                                         CHECK (priorities <@ ARRAY['low', 'medium', 'high', 'urgent']::text[]),
            inbound_address  text        NULL CHECK (length(inbound_address) BETWEEN 3 AND 254),
            set_group_id     uuid        NULL CONSTRAINT fk_routing_rules_group REFERENCES groups (id) ON DELETE RESTRICT,
            set_priority     text        NULL CHECK (set_priority IN ('low', 'medium', 'high', 'urgent')),
            add_tags         text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(add_tags) <= 20),
            created_at       timestamptz NOT NULL DEFAULT now(),
            updated_at       timestamptz NOT NULL DEFAULT now(),
            CHECK (set_group_id IS NOT NULL OR set_priority IS NOT NULL OR cardinality(add_tags) > 0)
        );
        CREATE INDEX ix_routing_rules_order ON routing_rules (position, id) WHERE is_active;
        CREATE INDEX ix_routing_rules_group ON routing_rules (set_group_id);
        CREATE TRIGGER trg_routing_rules_updated_at BEFORE UPDATE ON routing_rules
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();

        ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_action_check;
        ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_action_check CHECK (action IN
            ('created', 'updated', 'status_changed', 'assigned', 'commented', 'deleted', 'attachment_added', 'attachment_removed', 'routed'));
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS routing_rules;
        ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_action_check;
        ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_action_check CHECK (action IN
            ('created', 'updated', 'status_changed', 'assigned', 'commented', 'deleted', 'attachment_added', 'attachment_removed'));
        """);
}
