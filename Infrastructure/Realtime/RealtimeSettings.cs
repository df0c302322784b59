using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

public sealed class RealtimeSettings
{
    internal static readonly IntSetting MaxConnectionsSetting = new("REALTIME_MAX_CONNECTIONS", 20_000, 1, 1_000_000);
    internal static readonly IntSetting MaxConnectionsPerUserSetting = new("REALTIME_MAX_CONNECTIONS_PER_USER", 20, 1, 1_000_000);
    internal static readonly IntSetting MaxMessageBytesSetting = new("REALTIME_MAX_MESSAGE_BYTES", 64 * 1024, 256, 16 * 1024 * 1024);
    internal static readonly IntSetting SendQueueCapacitySetting = new("REALTIME_SEND_QUEUE_CAPACITY", 256, 1, 100_000);
    internal static readonly IntSetting KeepAliveSetting = new("REALTIME_KEEPALIVE_SECONDS", 30, 1, 3600);
    internal static readonly IntSetting KeepAliveTimeoutSetting = new("REALTIME_KEEPALIVE_TIMEOUT_SECONDS", 30, 1, 3600);
    internal static readonly IntSetting UserCheckSetting = new("REALTIME_USER_CHECK_SECONDS", 30, 1, 3600);
    internal static readonly IntSetting EventRetentionSetting = new("REALTIME_EVENT_RETENTION_SECONDS", 86400, 60, 365 * 86400);
    internal static readonly IntSetting CloseGraceSetting = new("REALTIME_CLOSE_GRACE_SECONDS", 5, 1, 300);
    internal static readonly BoolSetting InlineSendsSetting = new("REALTIME_INLINE_SENDS", false);
    internal static readonly IntSetting MessagesPerSecondSetting = new("REALTIME_MESSAGES_PER_SECOND", 10, 1, 1_000_000);
    internal static readonly IntSetting MessageBurstSetting = new("REALTIME_MESSAGE_BURST", 20, 1, 1_000_000);
    internal static readonly IntSetting UserMessagesPerSecondSetting = new("REALTIME_USER_MESSAGES_PER_SECOND", 50, 1, 1_000_000);
    internal static readonly IntSetting FailedSubscribesPerMinuteSetting = new("REALTIME_FAILED_SUBSCRIBES_PER_MINUTE", 30, 1, 1_000_000);

    /// <summary>Open WebSockets per instance; beyond it the upgrade is refused with 503.</summary>
    public int MaxConnections { get; init; } = MaxConnectionsSetting.Default;
    /// <summary>Open WebSockets per user per instance; beyond it the upgrade is refused with 429.</summary>
    public int MaxConnectionsPerUser { get; init; } = MaxConnectionsPerUserSetting.Default;
    /// <summary>Largest client message; a bigger one closes the socket with 1009.</summary>
    public int MaxMessageBytes { get; init; } = MaxMessageBytesSetting.Default;
    /// <summary>Messages waiting for one slow client; overflowing closes that client only.</summary>
    public int SendQueueCapacity { get; init; } = SendQueueCapacitySetting.Default;
    public int KeepAliveSeconds { get; init; } = KeepAliveSetting.Default;
    public int KeepAliveTimeoutSeconds { get; init; } = KeepAliveTimeoutSetting.Default;
    /// <summary>How often connected users are re-checked (active, token version) in one query.</summary>
    public int UserCheckSeconds { get; init; } = UserCheckSetting.Default;
    /// <summary>How long realtime_events rows are kept (they only carry events through NOTIFY).</summary>
    public int EventRetentionSeconds { get; init; } = EventRetentionSetting.Default;
    /// <summary>How long a closing client gets to finish the close handshake (or take in a stuck send) before the socket is torn down.</summary>
    public int CloseGraceSeconds { get; init; } = CloseGraceSetting.Default;
    /// <summary>
    /// For instances that mostly serve WebSockets: Kestrel sends on the writing thread (inline scheduling) and a
    /// broadcast runs on every core. Less memory during a broadcast, but a higher p99 and less REST throughput
    /// (bench/README.md).
    /// </summary>
    public bool InlineSends { get; init; }
    /// <summary>Client messages one socket may send per second, and its burst; a socket that keeps sending past them is closed.</summary>
    public int MessagesPerSecond { get; init; } = MessagesPerSecondSetting.Default;
    public int MessageBurst { get; init; } = MessageBurstSetting.Default;
    /// <summary>Client messages per second of one user across all of its sockets (burst: twice that).</summary>
    public int UserMessagesPerSecond { get; init; } = UserMessagesPerSecondSetting.Default;
    /// <summary>Subscribes per user per minute that end in not_found (each one was a database check).</summary>
    public int FailedSubscribesPerMinute { get; init; } = FailedSubscribesPerMinuteSetting.Default;

    public static RealtimeSettings Read(IConfiguration config) => new()
    {
        MaxConnections = MaxConnectionsSetting.Read(config),
        MaxConnectionsPerUser = MaxConnectionsPerUserSetting.Read(config),
        MaxMessageBytes = MaxMessageBytesSetting.Read(config),
        SendQueueCapacity = SendQueueCapacitySetting.Read(config),
        KeepAliveSeconds = KeepAliveSetting.Read(config),
        KeepAliveTimeoutSeconds = KeepAliveTimeoutSetting.Read(config),
        UserCheckSeconds = UserCheckSetting.Read(config),
        EventRetentionSeconds = EventRetentionSetting.Read(config),
        CloseGraceSeconds = CloseGraceSetting.Read(config),
        InlineSends = InlineSendsSetting.Read(config),
        MessagesPerSecond = MessagesPerSecondSetting.Read(config),
        MessageBurst = MessageBurstSetting.Read(config),
        UserMessagesPerSecond = UserMessagesPerSecondSetting.Read(config),
        FailedSubscribesPerMinute = FailedSubscribesPerMinuteSetting.Read(config),
    };
}
