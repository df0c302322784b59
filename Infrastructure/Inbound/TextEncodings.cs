using System.Runtime.CompilerServices;
using System.Text;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>
/// The legacy charsets of real mail (Windows-125x, ISO-2022-JP, KOI8-R …), registered when the assembly loads: MimeKit
/// builds its charset table on first use (parsing EMAIL_FROM at start-up), and a charset registered after that is unknown to it.
/// </summary>
internal static class TextEncodings
{
#pragma warning disable CA2255 // This is the application, not a library: the registration must precede every use of MimeKit.
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
#pragma warning restore CA2255
}
