using System.Security.Cryptography;
using System.Text;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// A secret an email must carry (a password reset token) but no table may hold in a usable form. The outbox row
/// keeps the rendered mail with <see cref="Placeholder"/> where the secret goes, and the secret itself sealed with
/// AES-GCM under a key derived (HKDF) from JWT_SECRET, which never is in the database. So the outbox stays durable
/// (a crash or an SMTP outage still sends the mail later, from any instance with the same JWT_SECRET), a copy of
/// the database alone yields no usable link, and the sender drops the sealed copy once the mail is sent. The seal is
/// bound to the row's id and address: moved to another row, or with the address rewritten, it does not open.
/// </summary>
public sealed class OutboxSecrets
{
    /// <summary>What the stored mail shows where the secret goes; letters and dashes only, so no encoding changes it.</summary>
    public const string Placeholder = "SEALED-RESET-TOKEN";

    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public OutboxSecrets(AppSettings settings) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, settings.Auth.JwtSecret, 32, info: "supportdesk email outbox secret v1"u8.ToArray());

    /// <summary>nonce ‖ tag ‖ ciphertext.</summary>
    public byte[] Seal(string secret, Guid outboxId, string toAddress)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), Bound(outboxId, toAddress));
        return sealedBytes;
    }

    /// <summary>The secret, or a CryptographicException when the seal was made under another key or for another row.</summary>
    public string Open(byte[] sealedBytes, Guid outboxId, string toAddress)
    {
        if (sealedBytes.Length < NonceBytes + TagBytes)
            throw new CryptographicException("The sealed secret is truncated.");
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), plain, Bound(outboxId, toAddress));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Bound(Guid outboxId, string toAddress) => Encoding.UTF8.GetBytes($"{outboxId:N}\n{toAddress}");
}
