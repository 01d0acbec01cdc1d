import os

from django.utils.translation import ugettext_lazy as _

from openstack_dashboard import exceptions

DEBUG = False
TEMPLATE_DEBUG = DEBUG

# Chapter 9, step 3
ALLOWED_HOSTS = ['localhost', 'controller', '203.0.113.11']

SECRET_KEY = 'b9f1d3e5a7c2049e6d8f0a1b3c5e7d9f'

# Chapter 9, step 2: must match /etc/memcached.conf
CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.memcached.MemcachedCache',
        'LOCATION': '127.0.0.1:11211',
    }
}

EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'

# Chapter 9, step 4
OPENSTACK_HOST = "127.0.0.1"
OPENSTACK_KEYSTONE_URL = "http://%s:5000/v2.0" % OPENSTACK_HOST
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "_member_"

TIME_ZONE = "UTC"
