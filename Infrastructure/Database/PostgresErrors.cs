using Npgsql;

namespace SupportDesk.Infrastructure.Database;

/// <summary>SQLSTATE codes we map to HTTP answers (see ProblemExceptionHandler).</summary>
public static class PostgresErrors
{
    public const string UniqueViolation = "23505";
    public const string ForeignKeyViolation = "23503";
    public const string CheckViolation = "23514";
    public const string NotNullViolation = "23502";
    public const string SerializationFailure = "40001";
    public const string DeadlockDetected = "40P01";
    public const string StringDataRightTruncation = "22001";
    /// <summary>PostgreSQL text cannot hold NUL (U+0000).</summary>
    public const string CharacterNotInRepertoire = "22021";
    public const string InvalidTextRepresentation = "22P02";
    public const string ProgramLimitExceeded = "54000";
    public const string QueryCanceled = "57014";
    public const string AdminShutdown = "57P01";
    public const string CrashShutdown = "57P02";
    public const string CannotConnectNow = "57P03";

    /// <summary>
    /// The database cannot serve this request right now, though a retry shortly may succeed: it is shutting down or
    /// starting (57P01-57P03), out of connections or other resources (class 53), the connection failed (class 08), or
    /// Npgsql could not reach it, lost the connection mid-command (an I/O error inside) or got no pool connection in time.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState is AdminShutdown or CrashShutdown or CannotConnectNow
                        || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("53", StringComparison.Ordinal);
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
            }
        }
        return false;
    }
}
