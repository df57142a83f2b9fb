"""Runs the boto3 examples of the DynamoDB seed document against a RingDB router.

Usage: RINGDB_ENDPOINT=http://127.0.0.1:PORT python3 tests/python/seed_examples.py

Only the operations RingDB implements so far are used: CreateTable, DescribeTable, ListTables,
DeleteTable, PutItem, GetItem and DeleteItem. Exits non-zero (AssertionError) on the first failure.
"""

import os
import sys
from datetime import datetime, timedelta
from decimal import Decimal

import boto3
import botocore.exceptions
from boto3.dynamodb.types import Binary

ENDPOINT = os.environ.get('RINGDB_ENDPOINT')
if not ENDPOINT:
    sys.exit('RINGDB_ENDPOINT is not set')

dynamodb = boto3.resource(
    'dynamodb',
    endpoint_url=ENDPOINT,
    region_name='us-east-1',
    aws_access_key_id='x',
    aws_secret_access_key='y',
)
client = dynamodb.meta.client


def check(label):
    print(f'ok - {label}', flush=True)


def expect_client_error(code, fn, label):
    try:
        result = fn()
    except botocore.exceptions.ClientError as e:
        got = e.response['Error']['Code']
        assert got == code, f'{label}: expected ClientError {code}, got {got}: {e.response["Error"].get("Message")}'
        assert e.response['ResponseMetadata']['HTTPStatusCode'] == 400, \
            f'{label}: expected HTTP 400, got {e.response["ResponseMetadata"]["HTTPStatusCode"]}'
        check(f'{label} -> {code} ({e.response["Error"].get("Message")})')
        return e
    raise AssertionError(f'{label}: expected ClientError {code}, but the call succeeded: {result!r}')


# --- Orders: the seed's create_table with ProvisionedThroughput ---------------------------------

# Create table with provisioned capacity
table = dynamodb.create_table(
    TableName='Orders',
    KeySchema=[
        {'AttributeName': 'user_id', 'KeyType': 'HASH'},
        {'AttributeName': 'order_id', 'KeyType': 'RANGE'}
    ],
    AttributeDefinitions=[
        {'AttributeName': 'user_id', 'AttributeType': 'S'},
        {'AttributeName': 'order_id', 'AttributeType': 'S'}
    ],
    ProvisionedThroughput={
        'ReadCapacityUnits': 100,   # 100 reads/sec
        'WriteCapacityUnits': 50    # 50 writes/sec
    }
)
table.wait_until_exists()
check('create_table Orders + wait_until_exists')

assert table.table_status == 'ACTIVE', f'Orders status {table.table_status!r}'
assert sorted((k['AttributeName'], k['KeyType']) for k in table.key_schema) == [('order_id', 'RANGE'), ('user_id', 'HASH')], \
    f'Orders key schema {table.key_schema!r}'
pt = table.provisioned_throughput or {}
assert pt.get('ReadCapacityUnits') == 100 and pt.get('WriteCapacityUnits') == 50, f'Orders ProvisionedThroughput {pt!r}'
check('Orders describe: ACTIVE, key schema and ProvisionedThroughput 100/50')

desc = client.describe_table(TableName='Orders')['Table']
assert desc['TableName'] == 'Orders', desc
assert desc['TableStatus'] == 'ACTIVE', desc
check('describe_table Orders')

item = {
    'user_id': 'user123',    # Partition key
    'order_id': 'order456',  # Sort key
    'total': Decimal('99.99'),
    'created_at': '2024-01-15T10:30:00Z',
}
put = table.put_item(Item=item)
assert put['ResponseMetadata']['HTTPStatusCode'] == 200, put
check('put_item Orders order456')

# Get single order
response = table.get_item(
    Key={'user_id': 'user123', 'order_id': 'order456'}
)
assert 'Item' in response, f'order456 not found: {response!r}'
assert response['Item'] == item, f'order456 round trip: {response["Item"]!r} != {item!r}'
assert isinstance(response['Item']['total'], Decimal) and response['Item']['total'] == Decimal('99.99'), response['Item']
check('get_item Orders order456 returns the item with total Decimal(99.99)')

response = table.get_item(Key={'user_id': 'user123', 'order_id': 'order999'})
assert 'Item' not in response, f'missing order returned something: {response!r}'
check('get_item of a missing order has no Item')

# --- Users: partition key only, eventually and strongly consistent reads -------------------------

users = dynamodb.create_table(
    TableName='Users',
    KeySchema=[{'AttributeName': 'user_id', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'user_id', 'AttributeType': 'S'}],
    BillingMode='PAY_PER_REQUEST',
)
users.wait_until_exists()
table = users
check('create_table Users + wait_until_exists')

user = {
    'user_id': 'user123',    # Partition key
    'name': 'John Doe',
    'email': 'john@example.com',
    'age': 30,
}
table.put_item(Item=user)
check('put_item Users user123')

# GetItem (fast)
response = table.get_item(Key={'user_id': 'user123'})
assert response.get('Item') == {**user, 'age': Decimal(30)}, f'Users eventual read: {response!r}'
check('get_item Users user123 (eventually consistent)')

# Strongly consistent
response = table.get_item(
    Key={'user_id': 'user123'},
    ConsistentRead=True
)
assert response.get('Item') == {**user, 'age': Decimal(30)}, f'Users strong read: {response!r}'
check('get_item Users user123 ConsistentRead=True')

# --- shopping_carts: the seed's add_to_cart / remove_from_cart ------------------------------------

carts = dynamodb.create_table(
    TableName='shopping_carts',
    KeySchema=[
        {'AttributeName': 'user_id', 'KeyType': 'HASH'},
        {'AttributeName': 'product_id', 'KeyType': 'RANGE'},
    ],
    AttributeDefinitions=[
        {'AttributeName': 'user_id', 'AttributeType': 'S'},
        {'AttributeName': 'product_id', 'AttributeType': 'S'},
    ],
    BillingMode='PAY_PER_REQUEST',
)
carts.wait_until_exists()
check('create_table shopping_carts + wait_until_exists')

table = dynamodb.Table('shopping_carts')

# 1. Add item to cart (or update quantity)
def add_to_cart(user_id, product_id, quantity, price):
    ttl = int((datetime.now() + timedelta(days=30)).timestamp())
    
    response = table.put_item(
        Item={
            'user_id': user_id,
            'product_id': product_id,
            'quantity': quantity,
            'price': price,
            'added_at': int(datetime.now().timestamp()),
            'ttl': ttl
        }
    )
    return response

# 3. Remove item from cart
def remove_from_cart(user_id, product_id):
    response = table.delete_item(
        Key={
            'user_id': user_id,
            'product_id': product_id
        }
    )
    return response


before = int(datetime.now().timestamp())
add_to_cart('user_12345', 'prod_67890', 2, Decimal('29.99'))
add_to_cart('user_12345', 'prod_11111', 1, Decimal('5.00'))
check('add_to_cart x2')

got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True).get('Item')
assert got is not None, 'cart item prod_67890 missing after add_to_cart'
assert got['quantity'] == 2 and isinstance(got['quantity'], Decimal), f'quantity {got["quantity"]!r}'
assert got['price'] == Decimal('29.99'), f'price {got["price"]!r}'
assert got['added_at'] >= before, f'added_at {got["added_at"]!r} < {before}'
assert got['ttl'] >= before + 29 * 86400, f'ttl {got["ttl"]!r} is not ~30 days ahead'
check('get_item cart prod_67890: quantity 2, price 29.99, added_at and ttl')

# add_to_cart again replaces the item (put semantics)
add_to_cart('user_12345', 'prod_67890', 5, Decimal('27.50'))
got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True)['Item']
assert got['quantity'] == 5 and got['price'] == Decimal('27.50'), f'updated cart item {got!r}'
check('add_to_cart again overwrites quantity and price')

response = remove_from_cart('user_12345', 'prod_67890')
assert response['ResponseMetadata']['HTTPStatusCode'] == 200, response
assert 'Attributes' not in response, f'ReturnValues NONE returned attributes: {response!r}'
got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True)
assert 'Item' not in got, f'prod_67890 still present after remove_from_cart: {got!r}'
other = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ConsistentRead=True).get('Item')
assert other is not None and other['price'] == Decimal('5.00'), f'the other cart item was affected: {other!r}'
check('remove_from_cart deletes only prod_67890')

response = remove_from_cart('user_12345', 'prod_does_not_exist')
assert response['ResponseMetadata']['HTTPStatusCode'] == 200, response
check('remove_from_cart of a missing item succeeds')

old = table.delete_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ReturnValues='ALL_OLD')
assert old.get('Attributes', {}).get('product_id') == 'prod_11111', f'ALL_OLD: {old!r}'
assert old['Attributes']['quantity'] == 1 and old['Attributes']['price'] == Decimal('5.00'), f'ALL_OLD: {old!r}'
check('delete_item ReturnValues=ALL_OLD returns the old item')

old = table.delete_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ReturnValues='ALL_OLD')
assert 'Attributes' not in old, f'ALL_OLD of a missing item: {old!r}'
check('delete_item ReturnValues=ALL_OLD of a missing item has no Attributes')

# --- every attribute type through the resource API -----------------------------------------------

table = users
everything = {
    'user_id': 'all-types',
    'str': 'héllo wörld ✓',
    'empty_str': '',
    'int': Decimal('42'),
    'neg': Decimal('-3.5'),
    'big': Decimal('12345678901234567890123456789012345678'),
    'tiny': Decimal('-0.000000000000000000000000000000000000000000123'),
    'bytes': Binary(b'\x00\x01\xfe\xff'),
    'str_set': {'a', 'b', 'c'},
    'num_set': {Decimal('1'), Decimal('2.5'), Decimal('-3')},
    'bin_set': {Binary(b'\x01'), Binary(b'\x02\x03'), Binary(b'\xff')},
    'map': {'inner': 'x', 'deeper': {'n': Decimal('7'), 'flag': False}, 'empty': {}},
    'list': ['one', Decimal('2'), None, True, [], {'k': 'v'}, Binary(b'\x00')],
    'null': None,
    'true': True,
    'false': False,
}
# raw bytes are accepted as input too and come back as Binary
put_item = dict(everything, raw_bytes=b'\x00raw\xff')
table.put_item(Item=put_item)
got = table.get_item(Key={'user_id': 'all-types'}, ConsistentRead=True).get('Item')
assert got is not None, 'all-types item missing'
expected = dict(everything, raw_bytes=Binary(b'\x00raw\xff'))
for name, value in expected.items():
    assert name in got, f'attribute {name} missing from {sorted(got)}'
    assert got[name] == value, f'attribute {name}: {got[name]!r} != {value!r}'
    assert type(got[name]) is type(value), f'attribute {name}: type {type(got[name]).__name__} != {type(value).__name__}'
assert set(got) == set(expected), f'extra attributes: {set(got) - set(expected)}'
check('every attribute type round trips (S, N, B, SS, NS, BS, M, L, NULL, BOOL)')

assert isinstance(got['str_set'], set) and isinstance(got['num_set'], set) and isinstance(got['bin_set'], set)
assert got['null'] is None and got['true'] is True and got['false'] is False
assert got['bytes'].value == b'\x00\x01\xfe\xff', got['bytes']
check('sets come back as sets, None/True/False as themselves, bytes intact')

# the resource's meta.client converts values to Python types, so use a plain low-level client here
low_level = boto3.client('dynamodb', endpoint_url=ENDPOINT, region_name='us-east-1',
                         aws_access_key_id='x', aws_secret_access_key='y')
raw = low_level.get_item(TableName='Users', Key={'user_id': {'S': 'all-types'}}, ConsistentRead=True)['Item']
for name, tag in [('str', 'S'), ('int', 'N'), ('bytes', 'B'), ('str_set', 'SS'), ('num_set', 'NS'),
                  ('bin_set', 'BS'), ('map', 'M'), ('list', 'L'), ('null', 'NULL'), ('true', 'BOOL')]:
    assert list(raw[name]) == [tag], f'attribute {name} has wire type {list(raw[name])}, expected {tag}'
assert raw['big'] == {'N': '12345678901234567890123456789012345678'}, raw['big']
check('low-level client sees the expected wire types')

# --- client errors -------------------------------------------------------------------------------

expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('NoSuchTable').get_item(Key={'user_id': 'x'}),
                    'get_item on a missing table')
expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('NoSuchTable').put_item(Item={'user_id': 'x'}),
                    'put_item on a missing table')
expect_client_error('ResourceNotFoundException',
                    lambda: client.describe_table(TableName='NoSuchTable'),
                    'describe_table of a missing table')
expect_client_error('ResourceInUseException',
                    lambda: dynamodb.create_table(
                        TableName='Orders',
                        KeySchema=[{'AttributeName': 'user_id', 'KeyType': 'HASH'}],
                        AttributeDefinitions=[{'AttributeName': 'user_id', 'AttributeType': 'S'}],
                        BillingMode='PAY_PER_REQUEST'),
                    'create_table of an existing table')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Orders').put_item(Item={'user_id': 'user123', 'total': Decimal('1')}),
                    'put_item without the sort key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Orders').get_item(Key={'user_id': 'user123'}),
                    'get_item without the sort key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Users').put_item(Item={'name': 'no key'}),
                    'put_item without the partition key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Users').put_item(Item={'user_id': Decimal('1')}),
                    'put_item with a key of the wrong type')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('shopping_carts').delete_item(Key={'product_id': 'p'}),
                    'delete_item without the partition key')

# --- list_tables / delete_table -----------------------------------------------------------------

names = client.list_tables()['TableNames']
for name in ('Orders', 'Users', 'shopping_carts'):
    assert name in names, f'{name} missing from list_tables: {names}'
assert names == sorted(names), f'list_tables not sorted: {names}'
check(f'list_tables: {names}')

all_names = [t.name for t in dynamodb.tables.all()]
assert {'Orders', 'Users', 'shopping_carts'} <= set(all_names), f'tables.all(): {all_names}'
check('dynamodb.tables.all() lists the tables')

dynamodb.Table('Orders').delete()
dynamodb.Table('Orders').wait_until_not_exists()
check('delete_table Orders + wait_until_not_exists')

expect_client_error('ResourceNotFoundException',
                    lambda: client.describe_table(TableName='Orders'),
                    'describe_table after delete_table')
expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('Orders').get_item(Key={'user_id': 'user123', 'order_id': 'order456'}),
                    'get_item after delete_table')
names = client.list_tables()['TableNames']
assert 'Orders' not in names, f'Orders still listed after delete: {names}'
check('Orders no longer listed')

for name in ('Users', 'shopping_carts'):
    client.delete_table(TableName=name)
    client.get_waiter('table_not_exists').wait(TableName=name)
    expect_client_error('ResourceNotFoundException',
                        lambda: client.describe_table(TableName=name),
                        f'describe_table {name} after delete_table')

print('all seed examples passed', flush=True)
