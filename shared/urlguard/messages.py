"""Why the URL guard refused a URL, en and zh templates by code (``shared.messages.Catalogue``, plain data).

``url.*`` is a refusal (``UrlRefused``'s code); ``address.*`` names a kind of address and is never raised: it
fills a refusal's ``{kind}``. The English is what web search has always said for a skipped page.
"""

from __future__ import annotations

from shared.messages import Catalogue

EN: dict[str, str] = {
    "url.invalid": "not a valid URL",
    "url.scheme": "only http and https URLs are fetched, not {scheme}:",
    "url.no_scheme": "only http and https URLs are fetched, not this:",
    "url.credentials": "URLs with credentials (user:password@) are not fetched",
    "url.no_host": "the URL has no host",
    "url.numeric_host": "{host} is an unusual numeric spelling of an address",
    "url.address": "{host} is {kind}",
    "url.resolves_to": "{host} resolves to {address}, {kind}",
    "url.unresolved": "the name {host} could not be resolved",
    "url.no_address": "the name {host} has no address",
    "url.elsewhere": "{url} is not the server that was checked ({origin})",
    "address.ipv4_mapped": "an IPv4-mapped IPv6 address",
    "address.wrapped": "an IPv6 address wrapping a non-public IPv4 address",
    "address.unspecified": "an unspecified address (0.0.0.0 or ::)",
    "address.loopback": "a loopback address",
    "address.link_local": "a link-local address (where cloud metadata services live)",
    "address.multicast": "a multicast address",
    "address.unique_local": "a unique-local IPv6 address",
    "address.reserved": "a reserved address",
    "address.private": "a private address",
    "address.not_global": "not a public address",
    "address.not_ip": "not an IP address",
}

ZH: dict[str, str] = {
    "url.invalid": "不是有效的网址",
    "url.scheme": "只访问 http 和 https 网址，不访问 {scheme}: 网址",
    "url.no_scheme": "只访问 http 和 https 网址，此网址没有写明协议",
    "url.credentials": "不访问带有凭据（user:password@）的网址",
    "url.no_host": "网址中没有主机名",
    "url.numeric_host": "{host} 是一种不常见的数字地址写法",
    "url.address": "{host} 是{kind}",
    "url.resolves_to": "{host} 解析到 {address}（{kind}）",
    "url.unresolved": "无法解析域名 {host}",
    "url.no_address": "域名 {host} 没有地址",
    "url.elsewhere": "{url} 不是已检查的服务器（{origin}）",
    "address.ipv4_mapped": "IPv4 映射的 IPv6 地址",
    "address.wrapped": "内含非公网 IPv4 地址的 IPv6 地址",
    "address.unspecified": "未指定地址（0.0.0.0 或 ::）",
    "address.loopback": "回环地址",
    "address.link_local": "链路本地地址（云元数据服务所在）",
    "address.multicast": "组播地址",
    "address.unique_local": "唯一本地 IPv6 地址",
    "address.reserved": "保留地址",
    "address.private": "私有地址",
    "address.not_global": "非公网地址",
    "address.not_ip": "不是 IP 地址",
}

MESSAGES = Catalogue(EN, ZH)
