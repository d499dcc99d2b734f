"""infragen's cfn-lint rules, one class per file named after the class.

cfn-lint loads rules from a module path (`--append-rules infragen.lint.rules`) by instantiating
the rule classes visible in this module, so each one is imported explicitly here; from a
directory (`--append-rules src/infragen/lint/rules`) it imports each file alone, which is why the
rule files use absolute imports and this file (starting with `_`) is skipped.
"""

from infragen.lint.rules.ApiRoutesAuthorized import ApiRoutesAuthorized
from infragen.lint.rules.ElastiCacheTransitEncryption import ElastiCacheTransitEncryption
from infragen.lint.rules.EncryptionAtRest import EncryptionAtRest
from infragen.lint.rules.IamNoWildcardAction import IamNoWildcardAction
from infragen.lint.rules.IamNoWildcardResource import IamNoWildcardResource
from infragen.lint.rules.LogGroupRetention import LogGroupRetention
from infragen.lint.rules.NoLiteralSecrets import NoLiteralSecrets
from infragen.lint.rules.ProductionImagePinned import ProductionImagePinned
from infragen.lint.rules.ProductionMultiAz import ProductionMultiAz
from infragen.lint.rules.ProductionRetainPolicy import ProductionRetainPolicy
from infragen.lint.rules.PublicIngressOnlyToLoadBalancers import PublicIngressOnlyToLoadBalancers
from infragen.lint.rules.PublicListenersUseTls import PublicListenersUseTls
from infragen.lint.rules.RdsManagedMasterPassword import RdsManagedMasterPassword
from infragen.lint.rules.RdsNotPubliclyAccessible import RdsNotPubliclyAccessible
from infragen.lint.rules.ResourceTagLimit import ResourceTagLimit
from infragen.lint.rules.S3PublicAccessBlocked import S3PublicAccessBlocked
from infragen.lint.rules.S3TlsOnlyPolicy import S3TlsOnlyPolicy
from infragen.lint.rules.S3Versioned import S3Versioned
from infragen.lint.rules.SecretParameterNoEcho import SecretParameterNoEcho
from infragen.lint.rules.SecretsNotInConfiguration import SecretsNotInConfiguration

__all__ = [
    "ApiRoutesAuthorized",
    "ElastiCacheTransitEncryption",
    "EncryptionAtRest",
    "IamNoWildcardAction",
    "IamNoWildcardResource",
    "LogGroupRetention",
    "NoLiteralSecrets",
    "ProductionImagePinned",
    "ProductionMultiAz",
    "ProductionRetainPolicy",
    "PublicIngressOnlyToLoadBalancers",
    "PublicListenersUseTls",
    "RdsManagedMasterPassword",
    "RdsNotPubliclyAccessible",
    "ResourceTagLimit",
    "S3PublicAccessBlocked",
    "S3TlsOnlyPolicy",
    "S3Versioned",
    "SecretParameterNoEcho",
    "SecretsNotInConfiguration",
]
